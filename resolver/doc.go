// Package resolver chooses package records for an environment: given
// requested specs, candidate records (read lazily, one package name at a
// time, through an [Index]), installed and locked records, pins and virtual
// packages, [Solve] returns one record per needed name such that every
// dependency and constraint holds, or an error explaining why none exists.
//
// It sits between channel (which supplies records) and env/lockfile (which
// consume the answer) and imports only conda. It does no I/O of its own.
//
// # Algorithm
//
// The solver is a CDCL SAT solver in the style of resolvo (pixi's solver),
// with conda's preferences as the decision order:
//
//   - Variables are candidate records (plus a root variable for the
//     request). A name's candidates are loaded, filtered by channel priority
//     and sorted once, the first time any spec mentions the name.
//   - Clauses: "root → one of the candidates of each requested spec";
//     "record → one of the candidates of each dependency"; "record → not c"
//     for every candidate c that violates one of its run_constrained
//     specs; "root → not c" for pins. At most one record per name is a
//     native constraint: setting a record true sets its siblings false.
//   - Clauses of a record are generated lazily, when the record first
//     becomes true, so the solver only looks at names it reaches.
//   - Propagation uses two watched literals. Conflicts are analysed to the
//     first unique implication point; the learnt clause is added and the
//     search backjumps non-chronologically.
//   - Decisions always set a record true: first the installed names to keep,
//     then the requested specs, then the dependencies of chosen records;
//     within each group the requirement with the fewest open candidates
//     goes first, and it gets its most preferred open candidate.
//
// Every spec string is parsed and matched once per Solve call (results are
// cached by the string), and a solution is checked against every rule
// before it is returned.
//
// # Preferences, and where they can differ from conda
//
// Each name's candidates are sorted once, best first: installed and locked
// records; channel rank (unless priority is Disabled); then, for requested
// names, highest version before fewest track_features, and for other names
// fewest track_features before highest version; highest build number;
// architecture-specific before noarch; channel rank (Disabled only); the
// higher versions allowed by the build's dependencies; newest timestamp.
// The track_features count of a build includes its legacy "features" and
// the fewest track_features its direct dependencies can be met with, so
// nomkl/openblas builds rank below mkl ones as in conda.
//
// conda instead minimises, in order, a global objective: removals,
// requested versions, total track_features, requested build numbers,
// dependency versions and builds, timestamps. Deciding in preference order
// gives the same answer whenever the preferences of different names do not
// trade off. Where they do:
//
//   - Requested names are decided first and a conflict is repaired by
//     learning, so one requested name may end up below its best version to
//     let another keep its best. A bounded improvement pass (requests of at
//     most 16 specs, one re-solve per requested name with a conflict budget)
//     raises each requested name to a higher version when every other
//     requested name and kept installed record can stay where it is.
//   - Dependency versions are maximised greedily in decision order (the
//     most constrained requirement first), not as a sum: conda may accept a
//     lower version of one dependency to raise two others.
//   - The track_features of a build's dependencies are looked at one level
//     deep only.
//   - Installed records are kept by trying them first (conda's "frozen"
//     first attempt); when the request forces a change the solver moves
//     as few of them as the search happens to need, not provably the
//     fewest.
//
// # Explanations
//
// When the request is unsatisfiable, the clauses used in the refutation
// (the unsatisfiable core, traced through the learnt clauses) are turned
// into an [UnsolvableError] tree in the spirit of PubGrub's reports:
// requested specs at the top, the candidates of each requirement grouped by
// why they fail, down to specs that match nothing or records that clash.
//
// It owns the solve: specs and candidate records in, []conda.Record out. It
// imports only conda and must not import channel, env, prefix, lockfile,
// secrets or ops, nor do any I/O.
package resolver

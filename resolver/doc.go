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
// # Explanations
//
// When the request is unsatisfiable, the clauses used in the refutation
// (the unsatisfiable core, traced through the learnt clauses) are turned
// into an [UnsolvableError] tree in the spirit of PubGrub's reports:
// requested specs at the top, the candidates of each requirement grouped by
// why they fail, down to specs that match nothing or records that clash.
package resolver

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
// names, highest version, channel rank (Disabled only), fewest features,
// fewest missing active features; for other names fewest features, fewest
// missing active features, highest version, channel rank (Disabled only);
// then highest build number; architecture-specific before noarch; the
// higher versions allowed by the build's dependencies; newest timestamp;
// build string. This is conda's version_key (channel, version, build
// number, noarch, timestamp, build string; with priority disabled the
// channel moves after the version) with its global feature terms folded in.
// Builds equal on everything before the timestamp form a tie group: conda
// ranks "fewest packages in the environment" between dependency versions
// and timestamps, so after the search a pass swaps a chosen record for a
// tied sibling whenever that leaves fewer records (readline alone takes
// the older 7.0 build that needs no ncurses).
//
// Features: the feature count of a build is its own track_features, one
// per legacy "features" entry (conda makes each require a record tracking
// it), and the fewest its direct dependencies can be met with, so
// nomkl/openblas builds rank below mkl ones as in conda. A feature that is
// on costs nothing more (conda counts each feature once), and a build that
// lacks an active feature which another build of its name carries in its
// "features" field is "missing" it (conda's featureless metric). Features
// are on when a requested spec matches only records tracking them (the
// nomkl metapackage), when an installed record tracks them, or when the
// answer turns out to hold a tracker: then the request is solved again
// with the feature on, at most a few times.
//
// conda instead minimises, in order, a global objective: removals,
// requested versions, the number of features on, the featureless records,
// requested build numbers, dependency versions and builds, the number of
// packages, timestamps.
// Deciding in preference order gives the same answer whenever the
// preferences of different names do not trade off. Where they do:
//
//   - Requested names are decided first and a conflict is repaired by
//     learning, so one requested name may end up below its best version to
//     let another keep its best. A bounded improvement pass (requests of at
//     most 16 specs, one re-solve per requested name with a conflict budget)
//     raises each requested name to a higher version when every other
//     requested name and kept installed record can stay where it is.
//   - The feature count is global in conda; the candidate order sees a
//     dependency's features one level deep only. A bounded pass makes up
//     for it: for each feature the answer switches on that the request
//     does not force, one re-solve excludes every loaded record tracking
//     it while the requested names keep their versions, and wins when it
//     switches on fewer features (r-digest takes its mro build: the r-base
//     one pulls in _r-mutex's anacondar feature two levels down). Trackers
//     of names first loaded by that re-solve are not excluded.
//   - The featureless metric is met by a second bounded pass: for each
//     chosen record missing an active feature, one re-solve requires a
//     build missing fewer while every requested name keeps its version; it
//     is taken when it switches on no more features and leaves fewer
//     featureless records (scipy nomkl: conda takes python 3.6 so that
//     numpy can be a nomkl build).
//   - Dependency versions are maximised greedily in decision order (the
//     most constrained requirement first), not as a sum: conda may accept a
//     lower version of one dependency to raise two others.
//   - libsolv built without conda-forge's variant patch counts only a
//     candidate's own track_features and breaks ties after the build number
//     by comparing build strings, never by timestamp. On the 2018 r and
//     defaults channels the two r-essentials 3.5.0 builds tie on version and
//     build number: libsolv takes r350_0 ("r350_0" sorts above "mro350_0")
//     and so r-base with _r-mutex anacondar_1. envseal takes mro350_0 and
//     the mro family, as conda's objective does: its feature count, ranked
//     right after the requested versions, is 0 for the mro answer and 2 for
//     the r-base one (_r-mutex anacondar_1 and blas openblas track anacondar
//     and nomkl); the r-base answer also has lower dependency versions
//     (conda's version metric 30 against 4), and does better only on terms
//     conda ranks after those: dependency build numbers and the package
//     count (254 records against 255). conda 23.1's classic solver, run on
//     the same files, gives exactly envseal's 255 records, with a feature
//     count of 0 under strict and flexible priority alike (the anacondar
//     feature is what made MRO the default R on those channels in 2018);
//     conda-forge's libsolv takes mro350_0 too, by timestamp. Ordering the
//     tied builds of requested names as libsolv does, and keeping them
//     through the feature passes, gives r-base here but also changes conda's
//     own answers for python=3.6.2 (test_timestamps_1: newest timestamp),
//     readline with ncurses, r-digest and scipy with nomkl (the last three
//     to libsolv's).
//   - A legacy "features" entry is a preference, not conda's hard
//     requirement that some record tracking the feature be installed: a
//     spec that forces a featured build (scipy=*=*nomkl*) does not pull in
//     nomkl by itself. libsolv ignores the field altogether.
//   - The number of packages is minimised only among tied builds of one
//     name, one swap at a time; conda minimises it over the whole answer.
//   - Installed records are kept by trying them first (conda's "frozen"
//     first attempt); when the request forces a change the solver moves
//     as few of them as the search happens to need, not provably the
//     fewest.
//   - Under strict priority, a requested spec that names a channel
//     ("pytorch::pytorch", "conda-forge/label/testing::matplotlib-base")
//     is not hidden by a higher channel offering the same name: the spec
//     says which channel the user wants. libmamba gets there because a
//     job naming the channel's packages is not pruned by libsolv's strict
//     repo priority, and pixi documents the same override; conda's classic
//     solver hides the lower channel. Dependencies of the package stay
//     strict.
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

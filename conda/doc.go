// Package conda holds the vocabulary every other envseal package speaks:
// versions ordered as conda's VersionOrder, version specs, match specs,
// package records as they appear in repodata.json, platforms (subdirs) and
// channels.
//
// It imports only the standard library. Its behaviour follows conda's own
// (conda/models/version.py, conda/models/match_spec.py): where conda and a
// tidier rule disagree, conda wins, because users compare our answers with
// conda's.
//
// It owns envseal's vocabulary types (Version, MatchSpec, Record, Platform,
// Channel) and their parsing and ordering rules. It imports only the
// standard library and must not import any other envseal package: every
// other package imports it.
package conda

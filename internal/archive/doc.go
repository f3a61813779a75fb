// Package archive reads, writes and extracts conda package archives.
//
// It sits under env and channel in the layout: the package cache extracts
// fetched archives with [Extract], the indexer reads info/index.json with
// [ReadIndexJSON], and the fixture channel generator builds packages with
// [Write].
//
// # Formats
//
// A ".tar.bz2" package is a bzip2-compressed tar whose info/ members come
// first. A ".conda" package (format version 2) is an uncompressed ZIP holding
// metadata.json ({"conda_pkg_format_version": 2}), info-<dist>.tar.zst (the
// info/ tree) and pkg-<dist>.tar.zst (everything else), each tar compressed
// with zstd.
//
// # Hardened extraction
//
// [Extract] treats an archive as hostile. It refuses, with an error naming
// the archive and member:
//
//   - members whose names are absolute, contain ".." components, NUL bytes or
//     backslashes;
//   - symlinks whose target is absolute or resolves (through other symlinks of
//     the same archive) outside the destination, checked when each link is
//     created and again on the final tree;
//   - hard links to anything but a regular file extracted earlier;
//   - members written through a symlink, and duplicate members;
//   - device files, fifos and other special types;
//   - names that differ only by case (unless [ExtractOptions] allows it);
//   - archives above the [Limits] (member count, per-file and total
//     uncompressed size, zstd window, ZIP entry count);
//   - ZIP files with duplicate entries, entries whose local header disagrees
//     with the central directory, overlapping or hidden data, no info
//     member, or members outside info/ in the info tar.
//
// A symlink with an empty target (written by early .conda converters) is
// skipped, as conda's own extraction does.
//
// Setuid, setgid and sticky bits are dropped; regular files keep their
// permission bits and modification time; directories are created 0755. All
// writes go through an [os.Root] opened on the destination, so even a bug in
// the checks above cannot write outside it.
//
// It owns the .conda and .tar.bz2 formats. It imports no envseal package
// (not even conda), so every layer can use it.
package archive

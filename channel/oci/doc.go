// Package oci reads conda channels from OCI registries (oci://REGISTRY/REPO
// channel URLs) and publishes channels to them, in the layout of the
// conda-forge mirror on GitHub's registry (ghcr.io/channel-mirrors/conda-forge)
// as rattler and pixi read it.
//
// It sits below cmd/envseal and beside package channel: [Transport] is an
// http.RoundTripper for the "oci" URL scheme, registered on the transport
// that package channel (repodata) and internal/pkgcache (package archives)
// already use, so an oci:// channel goes through their caches, validators,
// retries, digest checks and progress bars unchanged. [Publish] pushes
// package archives and regenerated repodata. Registry calls are made with
// oras-go (oras.land/oras-go/v2), which also does the token flow.
//
// # Layout
//
// The layout is the one of rattler's OCI middleware
// (conda/rattler, crates/rattler_networking/src/oci_middleware.rs) and of
// conda-oci-mirror (github.com/channel-mirrors/conda-oci-mirror, described in
// conda/ceps issue #69). For a channel oci://HOST/CHANNEL:
//
//   - A package SUBDIR/NAME-VERSION-BUILD.conda (or .tar.bz2) is the
//     repository CHANNEL/SUBDIR/NAME, tag VERSION-BUILD. A NAME starting with
//     "_" (not allowed at the start of a repository path component) becomes
//     "zzz_…" (zzz_openmp_mutex). Tags may not hold "+", "!" or "=": they are
//     written "__p__", "__e__" and "__eq__" ([EncodeTag], [DecodeTag]).
//   - The manifest (application/vnd.oci.image.manifest.v1+json) holds the
//     archive as a layer of media type application/vnd.conda.package.v2
//     (.conda) or application/vnd.conda.package.v1 (.tar.bz2), titled with
//     the file name (org.opencontainers.image.title). The mirror adds other
//     layers (info/index.json as application/vnd.conda.info.index.v1+json,
//     the info/ tarball); readers pick the layer by media type. [Publish]
//     writes the package and the index.json layers with an empty config of
//     media type application/vnd.unknown.config.v1+json, as the mirror does.
//   - SUBDIR/repodata.json is the repository CHANNEL/SUBDIR/repodata.json,
//     tag "latest", layer media type application/vnd.conda.repodata.v1+json;
//     compressed variants are further layers of the same manifest
//     (…+json+zst, …+json+gzip, …+json+bz2). [Publish] writes the plain and
//     the zst layers.
//   - When the sha256 of an archive is known (it is in the repodata record
//     and the lock), the blob sha256:<hex> of the package's repository is
//     fetched directly, without resolving the tag, as rattler does.
//
// # Authentication
//
// Requests follow the registry's challenge (WWW-Authenticate): anonymous
// bearer tokens from the registry's token service for public repositories
// (ghcr.io hands them out at https://ghcr.io/token?scope=repository:…:pull,
// the URL rattler builds directly), basic auth or tokens bought with a
// username and password otherwise. Credentials come, in order, from the
// user information of the channel URL, from [Auth].Username/Password (set
// by the caller, e.g. from ENVSEAL_OCI_USERNAME and ENVSEAL_OCI_PASSWORD or
// sealed secrets) and from a docker config.json whose path the caller
// passes in (its auths entries, credsStore and credHelpers). No credential
// or token ever appears in an error, a URL handed back, a record or a lock:
// records keep the credential-free oci:// URL.
//
// # Transport security
//
// A registry on a loopback address (127.0.0.0/8, ::1, localhost) is spoken
// to over plain HTTP, as docker does; any other host over HTTPS, unless
// [Transport].Insecure names it (the insecure_registries setting).
//
// # Errors
//
// A missing repository, tag or layer is a 404 response, so that package
// channel skips a subdir that is not there and internal/pkgcache reports a
// missing package naming its oci:// URL. Rejected credentials are a 401
// response (a clear "needs (other) credentials" error from both). Other
// failures are errors naming the channel. Rate limits (429) and server
// errors are retried with backoff by oras-go's retry transport.
package oci

package conda

// Record is one package build as described by repodata.json (and by
// info/index.json inside the archive), plus where it came from.
//
// Version.String() gives the version exactly as the channel wrote it.
// Timestamp is always in milliseconds since the epoch, whatever unit the
// source used.
type Record struct {
	Name          string
	Version       Version
	Build         string
	BuildNumber   int64
	Depends       []string
	Constrains    []string
	TrackFeatures []string // from "track_features", split on commas/space
	Features      string
	Noarch        string // "", "python" or "generic" (legacy `true` means "generic")
	Subdir        string
	Platform      string
	Arch          string
	Timestamp     int64 // milliseconds
	MD5           string
	SHA256        string
	Size          int64
	License       string
	LicenseFamily string
	// PythonSitePackagesPath is python's own "python_site_packages_path".
	PythonSitePackagesPath string

	// Fn is the archive file name, e.g. "zlib-1.2.13-hd590300_5.conda".
	Fn string
	// URL is where the archive is fetched from.
	URL string
	// Channel is the canonical channel name or URL (without credentials)
	// the record was read from.
	Channel string
}

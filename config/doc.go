// Package config reads conda's configuration the way conda does, plus
// envseal's own ~/.envsealrc, and builds the HTTP clients that honour it.
//
// It sits beside the other library packages: it imports conda (to check
// channel settings) and the standard library, and nothing imports it but
// the operations and cmd/envseal. It never reads the process environment
// itself: [Options] carries the variables and the home directory.
//
// # Sources and precedence
//
// Files are read in conda's search order ([SearchPath]): /etc/conda,
// /var/lib/conda, $CONDA_ROOT, $XDG_CONFIG_HOME/conda, ~/.config/conda,
// ~/.conda, ~/.condarc, $CONDA_PREFIX and $CONDARC, each as .condarc,
// condarc and a condarc.d/ directory of *.yml/*.yaml drop-ins (sorted by
// name). A path conda would skip is skipped: a missing file, or a file
// whose name is neither .condarc, condarc nor *.yml/*.yaml. Then
// ~/.envsealrc (or $ENVSEALRC), then CONDA_* environment variables.
// Later sources take precedence.
//
// # Merging
//
// As conda merges: a scalar takes the last value; a list puts the values
// of later sources first and drops repeats; a map merges key by key. A
// key marked "#!final" ends the search (later sources are not read for
// it); list items marked "#!top" or "#!bottom" go to the top or the
// bottom of the merged list; a map entry marked "#!final" keeps the first
// such value. An environment variable value ending in "!important" is
// final.
//
// # Keys
//
// channels, channel_alias, channel_priority, pkgs_dirs, envs_dirs,
// add_pip_as_python_dependency, exclude_newer, default_channels, custom_channels,
// custom_multichannels, proxy_servers, ssl_verify, client_ssl_cert and
// client_ssl_cert_key, with conda's aliases (channel, envs_path,
// verify_ssl, client_cert, client_cert_key). Other keys are ignored
// without a warning, as micromamba does. A known key with a value of the
// wrong shape is an error naming the file and line ([Error]); a file that
// is not valid YAML is skipped with a warning, as conda does (envseal's
// own file is an error).
//
// It owns reading conda's and envseal's configuration and the HTTP transport
// it describes. It imports conda only; it must not import channel, resolver,
// env, prefix, lockfile, secrets or ops, and it reads the environment only
// through the lookup function it is given.
package config

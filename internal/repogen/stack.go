package repogen

import "strings"

// stackDef is one package of the hand-written scientific Python stack:
// kind "py" (compiled for python 3.9), "noarch" (noarch: python) or "lib"
// (a C/C++ library); deps apply to every version.
type stackDef struct {
	name, kind string
	versions   string // space-separated, ascending
	deps       string // specs separated by ", "
}

// stackDefs describes numpy/scipy/pandas/matplotlib/jupyter for python 3.9
// on linux-64, with every dependency present in the stack or in the
// conda-forge subset of the corpus.
var stackDefs = []stackDef{
	{"libopenblas", "lib", "0.3.21 0.3.23 0.3.25 0.3.27", "libgfortran-ng, libgfortran5 >=12.3.0"},
	{"libgfortran5", "lib", "12.3.0 13.2.0", ""},
	{"libgfortran-ng", "lib", "12.3.0 13.2.0", "libgfortran5"},
	{"libblas", "lib", "3.9.0", "libopenblas >=0.3.21,<1.0a0"},
	{"libcblas", "lib", "3.9.0", "libblas 3.9.0"},
	{"liblapack", "lib", "3.9.0", "libblas 3.9.0"},
	{"libpng", "lib", "1.6.39 1.6.43", "libzlib >=1.2.13,<2.0.0a0"},
	{"freetype", "lib", "2.12.1", "libpng >=1.6.39,<1.7.0a0, libzlib >=1.2.13,<2.0.0a0"},
	{"libjpeg-turbo", "lib", "2.1.5.1 3.0.0", ""},
	{"libsodium", "lib", "1.0.18", ""},
	{"zeromq", "lib", "4.3.4 4.3.5", "libsodium >=1.0.18,<1.0.19.0a0"},
	{"numpy", "py", "1.21.6 1.22.4 1.23.5 1.24.4 1.25.2 1.26.4", "libblas >=3.9.0,<4.0a0, libcblas >=3.9.0,<4.0a0, liblapack >=3.9.0,<4.0a0"},
	{"scipy", "py", "1.9.3 1.10.1 1.11.4 1.12.0 1.13.1", "numpy >=1.21.6,<2.0a0, libblas >=3.9.0,<4.0a0, libcblas >=3.9.0,<4.0a0, liblapack >=3.9.0,<4.0a0, libgfortran-ng, libgfortran5 >=12.3.0"},
	{"pandas", "py", "1.4.4 1.5.3 2.0.3 2.1.4 2.2.2", "numpy >=1.21.6,<2.0a0, python-dateutil >=2.8.1, pytz >=2020.1, python-tzdata >=2022a"},
	{"kiwisolver", "py", "1.4.4 1.4.5", ""},
	{"pillow", "py", "9.4.0 10.0.1 10.3.0", "freetype >=2.12.1,<3.0a0, libjpeg-turbo >=2.1.5.1, libzlib >=1.2.13,<2.0.0a0"},
	{"contourpy", "py", "1.0.7 1.1.1 1.2.1", "numpy >=1.21.6"},
	{"fonttools", "py", "4.39.4 4.43.1 4.51.0", "brotli, munkres, unicodedata2 >=14.0.0"},
	{"brotli", "lib", "1.0.9 1.1.0", ""},
	{"unicodedata2", "py", "15.0.0 15.1.0", ""},
	{"matplotlib-base", "py", "3.5.3 3.6.3 3.7.3 3.8.4", "numpy >=1.21.6,<2.0a0, contourpy >=1.0.1, cycler >=0.10, fonttools >=4.22.0, kiwisolver >=1.0.1, packaging >=20.0, pillow >=8, pyparsing >=2.3.1, python-dateutil >=2.7, freetype >=2.12.1,<3.0a0, certifi >=2020.06.20"},
	{"matplotlib", "py", "3.5.3 3.6.3 3.7.3 3.8.4", "matplotlib-base >=3.5.3, tornado >=5"},
	{"tornado", "py", "6.2 6.3.3 6.4", ""},
	{"pyzmq", "py", "25.1.2 26.0.3", "zeromq >=4.3.4,<4.4.0a0, libsodium >=1.0.18,<1.0.19.0a0"},
	{"markupsafe", "py", "2.1.3 2.1.5", ""},
	{"pyyaml", "py", "6.0 6.0.1", ""},
	{"psutil", "py", "5.9.5 5.9.8", ""},
	{"debugpy", "py", "1.6.7 1.8.1", ""},
	{"python-dateutil", "noarch", "2.8.2 2.9.0", "six >=1.5"},
	{"pytz", "noarch", "2023.3 2024.1", ""},
	{"python-tzdata", "noarch", "2023.3 2024.1", ""},
	{"munkres", "noarch", "1.1.4", ""},
	{"cycler", "noarch", "0.11.0 0.12.1", ""},
	{"traitlets", "noarch", "5.9.0 5.14.3", ""},
	{"pygments", "noarch", "2.15.1 2.18.0", ""},
	{"wcwidth", "noarch", "0.2.6 0.2.13", ""},
	{"prompt-toolkit", "noarch", "3.0.38 3.0.42", "wcwidth"},
	{"parso", "noarch", "0.8.3 0.8.4", ""},
	{"jedi", "noarch", "0.18.2 0.19.1", "parso >=0.8.3,<0.9.0"},
	{"decorator", "noarch", "5.1.1", ""},
	{"ptyprocess", "noarch", "0.7.0", ""},
	{"pexpect", "noarch", "4.8.0 4.9.0", "ptyprocess >=0.5"},
	{"matplotlib-inline", "noarch", "0.1.6 0.1.7", "traitlets"},
	{"ipython", "noarch", "8.12.2 8.18.1", "decorator, jedi >=0.16, matplotlib-inline, pexpect >4.3, prompt-toolkit >=3.0.30,<3.1.0, pygments >=2.4.0, traitlets >=5"},
	{"platformdirs", "noarch", "3.10.0 4.2.2", ""},
	{"jupyter_core", "noarch", "5.3.1 5.7.2", "platformdirs >=2.5, traitlets >=5.3"},
	{"jupyter_client", "noarch", "8.3.0 8.6.2", "jupyter_core >=4.12,!=5.0.*, python-dateutil >=2.8.2, pyzmq >=23.0, tornado >=6.2, traitlets >=5.3"},
	{"comm", "noarch", "0.1.4 0.2.2", "traitlets >=5.3"},
	{"nest-asyncio", "noarch", "1.5.6 1.6.0", ""},
	{"ipykernel", "noarch", "6.25.0 6.29.4", "comm >=0.1.1, debugpy >=1.6.5, ipython >=7.23.1, jupyter_client >=6.1.12, jupyter_core >=4.12,!=5.0.*, matplotlib-inline >=0.1, nest-asyncio, packaging, psutil, pyzmq >=24, tornado >=6.1, traitlets >=5.4.0"},
	{"attrs", "noarch", "23.1.0 23.2.0", ""},
	{"fastjsonschema", "noarch", "2.18.0 2.19.1", ""},
	{"jsonschema", "noarch", "4.17.3 4.22.0", "attrs >=22.2.0"},
	{"nbformat", "noarch", "5.9.2 5.10.4", "fastjsonschema, jsonschema >=2.6, jupyter_core, traitlets >=5.1"},
	{"jinja2", "noarch", "3.1.2 3.1.4", "markupsafe >=2.0"},
	{"webencodings", "noarch", "0.5.1", ""},
	{"bleach", "noarch", "6.0.0 6.1.0", "six >=1.9.0, webencodings"},
	{"mistune", "noarch", "2.0.5 3.0.2", ""},
	{"nbconvert", "noarch", "7.7.3 7.16.4", "bleach, jinja2 >=3.0, jupyter_core >=4.7, markupsafe >=2.0, mistune >=2.0.3,<4, nbformat >=5.1, packaging, pygments >=2.4.1, traitlets >=5.0"},
	{"notebook", "noarch", "6.5.4 7.2.0", "ipykernel, jinja2, jupyter_client >=5.3.4, jupyter_core >=4.6.1, nbconvert >=5, nbformat, tornado >=6.1, traitlets >=4.2.1"},
	{"widgetsnbextension", "noarch", "4.0.8 4.0.11", ""},
	{"jupyterlab_widgets", "noarch", "3.0.8 3.0.11", ""},
	{"ipywidgets", "noarch", "8.0.7 8.1.3", "comm >=0.1.3, ipython >=6.1.0, jupyterlab_widgets >=3.0.8,<3.1.0, traitlets >=4.3.1, widgetsnbextension >=4.0.8,<4.1.0"},
	{"jupyter_console", "noarch", "6.6.3", "ipykernel >=6.14, ipython, jupyter_client >=7.0.0, jupyter_core >=4.12,!=5.0.*, prompt-toolkit >=3.0.30, pygments, pyzmq >=17, traitlets >=5.4"},
	{"jupyter", "noarch", "1.0.0", "ipykernel, ipywidgets, jupyter_console, nbconvert, notebook"},
}

// stackPackages plans the stack: one build per version.
func stackPackages() []*pkg {
	out := make([]*pkg, 0, len(stackDefs))
	for _, d := range stackDefs {
		p := &pkg{name: d.name, versions: strings.Fields(d.versions)}
		p.builds = make([]int, len(p.versions))
		for k := range p.builds {
			p.builds[k] = 1
		}
		var deps []string
		switch d.kind {
		case "py":
			p.python = true
			deps = append(deps, "libgcc-ng >=12", "libstdcxx-ng >=12", "python >=3.9,<3.10.0a0", "python_abi 3.9.* *_cp39")
		case "noarch":
			p.noarch = true
			deps = append(deps, "python >=3.8")
		default:
			deps = append(deps, "libgcc-ng >=12", "libstdcxx-ng >=12")
		}
		for _, s := range strings.Split(d.deps, ", ") {
			if s = strings.TrimSpace(s); s != "" {
				deps = append(deps, s)
			}
		}
		p.fixed = deps
		out = append(out, p)
	}
	return out
}

// stackDeps returns the fixed dependencies of a stack package.
func (p *pkg) stackDeps() []string { return p.fixed }

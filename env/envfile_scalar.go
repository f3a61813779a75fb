package env

// YAML scalar typing as conda sees it.
//
// conda loads environment files with a YAML 1.1 loader (PyYAML/ruamel safe
// load), whose implicit types differ from yaml.v3's YAML 1.2 ones: `yes`,
// `on` and `off` are booleans, `0755` is octal, `1e3` is a string but `1.0e+3`
// a float, `1:30` a base-60 integer. To report exactly what conda would do,
// plain scalars are retyped here from their text; quoted, literal and folded
// scalars are always strings.

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// scalarKind is the YAML 1.1 type conda's loader gives a scalar.
type scalarKind int

const (
	kindStr scalarKind = iota
	kindNull
	kindBool
	kindInt
	kindFloat
	kindTimestamp
)

func (k scalarKind) String() string {
	switch k {
	case kindNull:
		return "null"
	case kindBool:
		return "bool"
	case kindInt:
		return "int"
	case kindFloat:
		return "float"
	case kindTimestamp:
		return "timestamp"
	}
	return "string"
}

// YAML 1.1 implicit resolvers, as used by PyYAML's SafeLoader.
var (
	reBool11  = regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`)
	reNull11  = regexp.MustCompile(`^(?:~|null|Null|NULL|)$`)
	reInt11   = regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`)
	reFloat11 = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)
	reTime11  = regexp.MustCompile(`^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$`)
	reDate11  = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// resolvePlain types the text of a plain (unquoted, untagged) scalar the way
// a YAML 1.1 loader does.
func resolvePlain(s string) scalarKind {
	switch {
	case reNull11.MatchString(s):
		return kindNull
	case reBool11.MatchString(s):
		return kindBool
	case reInt11.MatchString(s):
		return kindInt
	case reFloat11.MatchString(s):
		return kindFloat
	case reTime11.MatchString(s):
		return kindTimestamp
	}
	return kindStr
}

// scalarType returns how conda's loader types the scalar node n, or an error
// message for explicit tags it cannot honour.
func scalarType(n *yaml.Node) (scalarKind, string) {
	if n.Style&yaml.TaggedStyle != 0 {
		switch n.Tag {
		case "!!str":
			return kindStr, ""
		case "!!null":
			return kindNull, ""
		case "!!bool":
			return kindBool, ""
		case "!!int":
			return kindInt, ""
		case "!!float":
			return kindFloat, ""
		}
		return kindStr, fmt.Sprintf("YAML tag %s is not supported here", n.Tag)
	}
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return kindStr, ""
	}
	return resolvePlain(n.Value), ""
}

// pythonStr returns Python's str() of the value a YAML 1.1 loader builds from
// the plain scalar text s of kind k, which is what conda writes when it turns
// such a value into a string (for example an environment variable). ok is
// false when there is no faithful conversion (null, malformed numbers,
// timestamps with a time part).
func pythonStr(k scalarKind, s string) (out string, ok bool) {
	switch k {
	case kindStr:
		return s, true
	case kindBool:
		switch s[0] {
		case 'y', 'Y', 't', 'T':
			return "True", true
		case 'o', 'O':
			if strings.EqualFold(s, "on") {
				return "True", true
			}
		}
		return "False", true
	case kindInt:
		return pythonInt(s)
	case kindFloat:
		return pythonFloat(s)
	case kindTimestamp:
		if reDate11.MatchString(s) {
			return s, true // str(datetime.date) is the ISO text itself
		}
	}
	return "", false
}

// pythonInt mirrors PyYAML's construct_yaml_int followed by str().
func pythonInt(s string) (string, bool) {
	v := strings.ReplaceAll(s, "_", "")
	neg := false
	if v != "" && (v[0] == '-' || v[0] == '+') {
		neg = v[0] == '-'
		v = v[1:]
	}
	n := new(big.Int)
	var ok bool
	switch {
	case v == "0":
		ok = true
	case strings.HasPrefix(v, "0b"):
		_, ok = n.SetString(v[2:], 2)
	case strings.HasPrefix(v, "0x"):
		_, ok = n.SetString(v[2:], 16)
	case strings.HasPrefix(v, "0"):
		_, ok = n.SetString(v[1:], 8)
	case strings.Contains(v, ":"):
		ok = true
		base := big.NewInt(60)
		for _, part := range strings.Split(v, ":") {
			d, err := strconv.Atoi(part)
			if err != nil {
				return "", false
			}
			n.Mul(n, base)
			n.Add(n, big.NewInt(int64(d)))
		}
	default:
		_, ok = n.SetString(v, 10)
	}
	if !ok {
		return "", false
	}
	if neg {
		n.Neg(n)
	}
	return n.String(), true
}

// pythonFloat mirrors PyYAML's construct_yaml_float followed by repr().
func pythonFloat(s string) (string, bool) {
	v := strings.ToLower(strings.ReplaceAll(s, "_", ""))
	sign := 1.0
	if v != "" && (v[0] == '-' || v[0] == '+') {
		if v[0] == '-' {
			sign = -1
		}
		v = v[1:]
	}
	var f float64
	switch {
	case v == ".inf":
		f = math.Inf(1)
	case v == ".nan":
		return "nan", true
	case strings.Contains(v, ":"):
		parts := strings.Split(v, ":")
		base := 1.0
		for i := len(parts) - 1; i >= 0; i-- {
			d, err := strconv.ParseFloat(parts[i], 64)
			if err != nil {
				return "", false
			}
			f += d * base
			base *= 60
		}
	default:
		var err error
		f, err = strconv.ParseFloat(v, 64)
		if err != nil && !math.IsInf(f, 0) {
			return "", false
		}
	}
	return pyFloatRepr(sign * f), true
}

// pyFloatRepr formats f as Python's repr(float) does: the shortest text that
// reads back as f, positional for decimal exponents in [-4, 16), scientific
// otherwise, and always with a '.' or an exponent.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64)
	i := strings.IndexByte(e, 'e')
	exp, _ := strconv.Atoi(e[i+1:])
	if exp >= -4 && exp < 16 {
		p := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(p, ".") {
			p += ".0"
		}
		return p
	}
	return e // Go's 'e' form matches Python's: 1e+16, 1.5e-05
}

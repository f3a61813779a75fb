package prefix

// Variable is one environment variable a prefix sets on activation: an
// entry of the env_vars of conda-meta/state. It has the same fields as
// env.Variable (an environment file's variables: section), so a slice of
// one converts to the other element by element.
type Variable struct {
	Name, Value string
}

package conda

// This file pins the API that other packages code against while the
// implementations are written. Each stub is replaced by its real
// implementation in its own file; delete the stub when you do.

import "errors"

var errNotImplemented = errors.New("not implemented")

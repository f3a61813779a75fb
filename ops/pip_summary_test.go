package ops

import (
	"strings"
	"testing"
)

func TestSummaryLines(t *testing.T) {
	var b strings.Builder
	s := &summaryLines{w: &b}
	for _, chunk := range []string{"Processing ./wheels/hello-1.0-py3-none-any.whl\nCollec", "ting x\r\nInstalling collected packages: hello\n",
		"Successfully installed hello-1.0 world-2.0\n", "WARNING: something pip thinks matters\nno newline at the end"} {
		if _, err := s.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	want := "pip: Successfully installed hello-1.0 world-2.0\npip: WARNING: something pip thinks matters\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

package throttle

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestShapes serves 200 KB through a 8 Mbit/s, 40 ms link: the download
// must take at least the handshake, the request's round trip and the
// transfer time, and every byte must be counted.
func TestShapes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := New(ln, 8e6, 40*time.Millisecond)
	body := strings.Repeat("x", 200_000)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) })}
	go srv.Serve(tl)
	defer srv.Close()
	start := time.Now()
	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || len(got) != len(body) {
		t.Fatalf("read %d bytes, err %v", len(got), err)
	}
	took := time.Since(start)
	// 80 ms of round trips + 200 ms of transfer at 1 MB/s.
	if min := 280 * time.Millisecond; took < min {
		t.Errorf("took %v, want at least %v", took, min)
	}
	if s := tl.Sent(); s < int64(len(body)) {
		t.Errorf("Sent = %d, want at least %d", s, len(body))
	}
}

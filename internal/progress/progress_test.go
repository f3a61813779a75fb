package progress

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock for deterministic speeds.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTest(t *testing.T, width int) (*Display, *bytes.Buffer, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
	var buf bytes.Buffer
	d := New(&buf, Options{Force: true, Width: width, Interval: -1, Now: clk.now})
	if d == nil {
		t.Fatal("New with Force returned nil")
	}
	return d, &buf, clk
}

func TestDisabled(t *testing.T) {
	if d := New(nil, Options{Force: true}); d != nil {
		t.Errorf("New(nil) = %v, want nil", d)
	}
	var buf bytes.Buffer
	if d := New(&buf, Options{}); d != nil {
		t.Errorf("New(buffer) without Force = %v, want nil (not a terminal)", d)
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if d := New(f, Options{}); d != nil {
		t.Errorf("New(regular file) = %v, want nil (not a terminal)", d)
	}
	// A nil display and its nil bars are silent no-ops.
	var d *Display
	b := d.Start("x", 10)
	b.Add(3)
	b.Set(1)
	if n, err := b.Write([]byte("abc")); n != 3 || err != nil {
		t.Errorf("nil Bar.Write = %d, %v; want 3, nil", n, err)
	}
	b.Done()
	d.Redraw()
	d.Close()
}

func TestFrames(t *testing.T) {
	d, buf, clk := newTest(t, 80)
	a := d.Start("zlib-1.2.11-h7b6447c_3.conda", 100_000)
	b := d.Start("a-very-long-package-name-that-does-not-fit-1.0-0.tar.bz2", 0)
	a.Add(50_000)
	b.Write(make([]byte, 2_000))
	clk.advance(2 * time.Second)
	d.Redraw()

	want := "\r" +
		"\x1b[2Kzlib-1.2.11-h7b6447c_3.co…  [=====>      ]   50%  50.0 kB / 100.0 kB  25.0 kB/s\n" +
		"\x1b[2Ka-very-long-package-name-…  2.0 kB  1.0 kB/s\n" +
		"\x1b[2KTotal 0/2                   [=====>      ]   52%  52.0 kB / 100.0 kB  26.0 kB/s\n" +
		"\x1b[J"
	if got := buf.String(); got != want {
		t.Errorf("first frame:\n got %q\nwant %q", got, want)
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		line = strings.TrimPrefix(strings.TrimPrefix(line, "\r"), "\x1b[2K")
		if n := len([]rune(line)); n > 79 {
			t.Errorf("line %q is %d columns, want <= 79", line, n)
		}
	}

	// Second frame moves up over the three lines drawn; a finished bar
	// disappears and counts in the total.
	buf.Reset()
	a.Add(50_000)
	a.Done()
	clk.advance(time.Second)
	d.Redraw()
	got := buf.String()
	if !strings.HasPrefix(got, "\r\x1b[3A\x1b[2Ka-very-long") {
		t.Errorf("second frame starts %q, want cursor up 3 then the remaining bar", got)
	}
	if strings.Contains(got, "zlib") {
		t.Errorf("finished bar still drawn: %q", got)
	}
	if !strings.Contains(got, "Total 1/2") || !strings.Contains(got, "102.0 kB / 100.0 kB") {
		t.Errorf("total line wrong in %q", got)
	}
	if !strings.HasSuffix(got, "\n\x1b[J") {
		t.Errorf("frame does not clear below: %q", got)
	}

	// Close draws only the total line, over the two lines of the last frame.
	buf.Reset()
	b.Done()
	d.Close()
	got = buf.String()
	if !strings.HasPrefix(got, "\r\x1b[2A\x1b[2KTotal 2/2") || strings.Count(got, "\n") != 1 {
		t.Errorf("final frame = %q, want just the total line", got)
	}
	buf.Reset()
	d.Close()
	d.Redraw()
	if buf.Len() != 0 {
		t.Errorf("output after Close: %q", buf.String())
	}
}

func TestSetResume(t *testing.T) {
	d, buf, clk := newTest(t, 100)
	b := d.Start("pkg.conda", 1_000_000)
	b.Set(600_000) // resumed partial: counts in the bar, not in the speed
	clk.advance(time.Second)
	b.Add(100_000)
	d.Redraw()
	got := buf.String()
	if !strings.Contains(got, "70%  700.0 kB / 1.0 MB  100.0 kB/s") {
		t.Errorf("resumed bar = %q, want 70%% at 100.0 kB/s", got)
	}
	b.Set(0) // restarted from scratch
	buf.Reset()
	d.Redraw()
	if !strings.Contains(buf.String(), "   0%  0 B / 1.0 MB") {
		t.Errorf("restarted bar = %q", buf.String())
	}
	d.Close()
}

func TestNarrowAndHelpers(t *testing.T) {
	d, buf, _ := newTest(t, 30)
	b := d.Start("name", 10)
	b.Add(5)
	d.Redraw()
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n\x1b[J"), "\n") {
		line = strings.TrimPrefix(strings.TrimPrefix(line, "\r"), "\x1b[2K")
		if n := len([]rune(line)); n > 29 {
			t.Errorf("line %q is %d columns on a 30-column display", line, n)
		}
	}
	d.Close()

	for _, tc := range []struct {
		n    int64
		want string
	}{{0, "0 B"}, {999, "999 B"}, {1000, "1.0 kB"}, {1_234_567, "1.2 MB"}, {5e9, "5.0 GB"}, {7e15, "7000.0 TB"}} {
		if got := FormatBytes(tc.n); got != tc.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
	for _, tc := range []struct {
		cur, size int64
		w         int
		want      string
	}{{0, 10, 5, "     "}, {10, 10, 5, "====="}, {5, 10, 4, "=>  "}, {20, 10, 3, "==="}} {
		if got := bar(tc.cur, tc.size, tc.w); got != tc.want {
			t.Errorf("bar(%d, %d, %d) = %q, want %q", tc.cur, tc.size, tc.w, got, tc.want)
		}
	}
}

// TestConcurrent runs the timer against writers from several goroutines
// (meaningful under -race).
func TestConcurrent(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	})
	d := New(w, Options{Force: true, Interval: time.Millisecond})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			b := d.Start(strings.Repeat("p", i+1), 1000)
			for range 100 {
				b.Write(make([]byte, 10))
				time.Sleep(50 * time.Microsecond)
			}
			b.Done()
		})
	}
	wg.Wait()
	d.Close()
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(buf.String(), "Total 4/4") || !strings.Contains(buf.String(), "4.0 kB / 4.0 kB") {
		t.Errorf("final output lacks the complete total: %q", buf.String()[max(0, buf.Len()-200):])
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestStepLine: a step shows its (updated) name and elapsed seconds, and a
// display of steps alone draws no byte total.
func TestStepLine(t *testing.T) {
	var b strings.Builder
	now := time.Unix(1000, 0)
	d := New(&b, Options{Force: true, Width: 60, Interval: -1, Now: func() time.Time { return now }})
	s := d.StartStep("pip: 2 requirement(s)")
	now = now.Add(3 * time.Second)
	s.SetName("pip: 2 requirement(s): Collecting hellopkg")
	d.Redraw()
	s.Done()
	d.Close()
	out := b.String()
	if !strings.Contains(out, "pip: 2 requirement(s): Collecting hellopkg  3s") {
		t.Errorf("step line missing:\n%q", out)
	}
	if strings.Contains(out, "Total") || strings.Contains(out, " B/s") {
		t.Errorf("a steps-only display drew a byte total:\n%q", out)
	}
}

// Package progress draws download progress on a terminal: one bar per
// active transfer and a total line, redrawn in place.
//
// It sits under the package cache (internal/pkgcache), which reports bytes
// as they arrive; cmd/envseal decides where the display goes (stderr, or
// nowhere with -q/--json) and passes that writer down. When the writer is
// not a terminal, [New] returns nil and every method of a nil [*Display]
// or [*Bar] does nothing, so callers never branch on whether progress is
// shown.
//
// It owns the terminal progress display. It imports no envseal package.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// Options tune [New]. The zero value detects the terminal and its width and
// redraws ten times a second.
type Options struct {
	// Force draws even when the writer is not a terminal (tests, or a
	// caller that knows better).
	Force bool
	// Width is the line width in columns; 0 asks the terminal, falling
	// back to 80.
	Width int
	// Interval is the redraw period; 0 means 100ms, a negative value
	// disables the timer (frames are then drawn by [Display.Redraw] and
	// [Display.Close] only).
	Interval time.Duration
	// Now replaces time.Now (tests).
	Now func() time.Time
}

// Display renders bars to a writer. It is safe for concurrent use. The
// zero value is not usable; create one with [New].
type Display struct {
	w     io.Writer
	width int
	now   func() time.Time

	mu       sync.Mutex
	bars     []*Bar // active, in start order
	steps    int    // bars started by StartStep
	lines    int    // lines drawn by the previous frame
	started  int    // bars started
	finished int    // bars done
	size     int64  // sum of the known sizes of started bars
	bytes    int64  // bytes reported by all bars
	begin    time.Time
	closed   bool

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
}

// Bar is one transfer on a [Display]. Its methods are safe for concurrent
// use and do nothing on a nil *Bar.
type Bar struct {
	d     *Display
	step  bool // a step of no byte count (StartStep): name and elapsed time
	name  string
	size  int64 // 0 when unknown
	cur   int64
	begin time.Time
	base  int64 // bytes present when the bar (re)started, excluded from speed
}

// New returns a display drawing to w, or nil (a valid, silent display) when
// w is nil or, unless opts.Force is set, not a terminal. A non-nil display
// must be closed with [Display.Close].
func New(w io.Writer, opts Options) *Display {
	if w == nil {
		return nil
	}
	f, isFile := w.(*os.File)
	tty := isFile && term.IsTerminal(int(f.Fd()))
	if !tty && !opts.Force {
		return nil
	}
	width := opts.Width
	if width <= 0 && tty {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil {
			width = cols
		}
	}
	if width <= 0 {
		width = 80
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	d := &Display{w: w, width: width, now: now, begin: now()}
	interval := opts.Interval
	if interval == 0 {
		interval = 100 * time.Millisecond
	}
	if interval > 0 {
		d.stop, d.done = make(chan struct{}), make(chan struct{})
		go d.loop(interval)
	}
	return d
}

func (d *Display) loop(interval time.Duration) {
	defer close(d.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-t.C:
			d.Redraw()
		}
	}
}

// Start adds a bar named name for a transfer of size bytes (0 when
// unknown) and returns it. Call [Bar.Done] when the transfer ends.
func (d *Display) Start(name string, size int64) *Bar {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	b := &Bar{d: d, name: name, size: max(size, 0), begin: now}
	d.bars = append(d.bars, b)
	d.started++
	d.size += b.size
	return b
}

// StartStep adds a line for a step that moves no counted bytes (a child
// tool running, such as pip): it shows the name, which [Bar.SetName]
// updates, and the seconds elapsed. Call [Bar.Done] when the step ends.
func (d *Display) StartStep(name string) *Bar {
	if d == nil {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	b := &Bar{d: d, step: true, name: name, begin: d.now()}
	d.bars = append(d.bars, b)
	d.started++
	d.steps++
	return b
}

// Write counts len(p) transferred bytes; it never fails, so a bar can be
// one side of an io.MultiWriter or io.TeeReader.
func (b *Bar) Write(p []byte) (int, error) {
	b.Add(int64(len(p)))
	return len(p), nil
}

// Add counts n more transferred bytes.
func (b *Bar) Add(n int64) {
	if b == nil {
		return
	}
	b.d.mu.Lock()
	b.cur += n
	b.d.bytes += n
	b.d.mu.Unlock()
}

// Set sets the transferred byte count, e.g. to the length of a partial
// file being resumed (those bytes do not count towards the speed) or to 0
// when a transfer restarts.
func (b *Bar) Set(n int64) {
	if b == nil {
		return
	}
	b.d.mu.Lock()
	b.d.bytes += n - b.cur
	b.cur = n
	b.base = n
	b.begin = b.d.now()
	b.d.mu.Unlock()
}

// SetName renames the bar, e.g. to show a count of items it covers.
func (b *Bar) SetName(name string) {
	if b == nil {
		return
	}
	b.d.mu.Lock()
	b.name = name
	b.d.mu.Unlock()
}

// Done removes the bar from the display; its bytes stay in the total.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	d := b.d
	d.mu.Lock()
	defer d.mu.Unlock()
	for i, x := range d.bars {
		if x == b {
			d.bars = append(d.bars[:i], d.bars[i+1:]...)
			d.finished++
			return
		}
	}
}

// Redraw draws a frame now.
func (d *Display) Redraw() {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.draw()
}

// Close stops the timer and draws the final frame: the total line alone.
// It is safe to call more than once.
func (d *Display) Close() {
	if d == nil {
		return
	}
	if d.stop != nil {
		d.stopOnce.Do(func() {
			close(d.stop)
			<-d.done
		})
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	d.closed = true
	d.bars = nil
	if d.started > 0 {
		d.draw()
	}
}

// draw writes one frame: move up over the previous frame, rewrite every
// line, clear anything below. Called with d.mu held.
func (d *Display) draw() {
	var sb strings.Builder
	sb.WriteByte('\r')
	if d.lines > 0 {
		fmt.Fprintf(&sb, "\x1b[%dA", d.lines)
	}
	now := d.now()
	for _, b := range d.bars {
		sb.WriteString("\x1b[2K")
		if b.step {
			sb.WriteString(cut(fmt.Sprintf("%s  %ds", b.name, int(now.Sub(b.begin).Seconds())), d.width-1))
		} else {
			sb.WriteString(d.line(b.name, b.cur, b.size, b.cur-b.base, now.Sub(b.begin)))
		}
		sb.WriteByte('\n')
	}
	d.lines = len(d.bars)
	if d.steps < d.started { // a byte total means nothing for steps alone
		sb.WriteString("\x1b[2K")
		total := fmt.Sprintf("Total %d/%d", d.finished, d.started)
		sb.WriteString(d.line(total, d.bytes, d.size, d.bytes, now.Sub(d.begin)))
		sb.WriteByte('\n')
		d.lines++
	}
	sb.WriteString("\x1b[J")
	io.WriteString(d.w, sb.String()) // a display cannot report errors; a broken terminal just shows nothing
}

// line formats "name  [=====>    ]  45%  1.2/2.5 MB  3.4 MB/s" to the
// display width. size 0 means unknown (no bar or percentage).
func (d *Display) line(name string, cur, size, moved int64, elapsed time.Duration) string {
	var stats string
	speed := ""
	if elapsed > 0 {
		speed = "  " + FormatBytes(int64(float64(moved)/elapsed.Seconds())) + "/s"
	}
	if size > 0 {
		stats = fmt.Sprintf("%3d%%  %s / %s%s", percent(cur, size), FormatBytes(cur), FormatBytes(size), speed)
	} else {
		stats = FormatBytes(cur) + speed
	}
	// name column: at most 40 columns, at least 10.
	nameW := min(40, max(10, d.width/3))
	name = fit(name, nameW)
	barW := d.width - 1 - nameW - len([]rune(stats)) - 6 // spaces and brackets; the last column stays free
	out := name
	if size > 0 && barW >= 5 {
		out += "  [" + bar(cur, size, barW) + "]"
	}
	out += "  " + stats
	return cut(out, d.width-1)
}

func percent(cur, size int64) int {
	if size <= 0 {
		return 0
	}
	p := int(cur * 100 / size)
	return min(max(p, 0), 100)
}

// bar draws w cells: "=" for done, ">" at the head, spaces after.
func bar(cur, size int64, w int) string {
	n := int(int64(w) * min(max(cur, 0), size) / size)
	switch {
	case n >= w:
		return strings.Repeat("=", w)
	case n == 0:
		return strings.Repeat(" ", w)
	}
	return strings.Repeat("=", n-1) + ">" + strings.Repeat(" ", w-n)
}

// fit pads s with spaces to w runes, or cuts it as [cut] does.
func fit(s string, w int) string {
	s = cut(s, w)
	if n := len([]rune(s)); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// cut shortens s to at most w runes, ending in "…" when it was longer.
func cut(s string, w int) string {
	r := []rune(s)
	switch {
	case w <= 0:
		return ""
	case len(r) > w:
		return string(r[:w-1]) + "…"
	}
	return s
}

// FormatBytes formats n bytes in decimal (SI) units, as conda does
// ("512 B", "1.2 MB", "3.4 GB").
func FormatBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, u := range []string{"kB", "MB", "GB", "TB"} {
		f /= unit
		if f < unit || u == "TB" {
			return fmt.Sprintf("%.1f %s", f, u)
		}
	}
	return fmt.Sprintf("%d B", n)
}

// Package throttle shapes a net.Listener like a slow link, for benchmarks
// and tests that compare how much a download costs on a laptop's
// connection rather than on loopback: a bandwidth shared by all
// connections and a round-trip latency.
//
// The model is simple and deterministic. A new connection pays one round
// trip (the TCP handshake) before its first request arrives; a request
// arrives half a round trip after the client sent it, and the first bytes
// of a response leave half a round trip later than written; every byte
// written to any connection of the listener then takes its share of the
// link (bytes × 8 / bits-per-second), served in 16 KiB slices so that
// parallel transfers interleave. Bytes written are counted.
package throttle

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Listener wraps a net.Listener; create one with [New].
type Listener struct {
	net.Listener
	rtt  time.Duration
	bps  float64 // bits per second
	sent atomic.Int64

	mu       sync.Mutex
	linkFree time.Time // when the link has sent everything queued so far
}

// New returns l shaped to bitsPerSecond and a round-trip time rtt.
func New(l net.Listener, bitsPerSecond float64, rtt time.Duration) *Listener {
	return &Listener{Listener: l, rtt: rtt, bps: bitsPerSecond}
}

// Sent returns the bytes written to all connections so far.
func (l *Listener) Sent() int64 { return l.sent.Load() }

// ResetSent sets the byte count back to zero.
func (l *Listener) ResetSent() { l.sent.Store(0) }

// Accept waits for a connection and returns it shaped.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c, l: l, fresh: true}, nil
}

type conn struct {
	net.Conn
	l       *Listener
	fresh   bool // no byte read yet: the handshake is still to be paid
	writing bool // the last operation was a write
}

// Read delays the first bytes of each request: the handshake's round trip
// on a new connection, half a round trip for a later request.
func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		switch {
		case c.fresh:
			time.Sleep(c.l.rtt + c.l.rtt/2)
			c.fresh = false
		case c.writing:
			time.Sleep(c.l.rtt / 2)
		}
		c.writing = false
	}
	return n, err
}

const slice = 16 << 10

// Write sends p through the shared link.
func (c *conn) Write(p []byte) (int, error) {
	if !c.writing {
		time.Sleep(c.l.rtt / 2)
		c.writing = true
	}
	written := 0
	for len(p) > 0 {
		n := min(len(p), slice)
		c.l.wait(n)
		m, err := c.Conn.Write(p[:n])
		written += m
		c.l.sent.Add(int64(m))
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// wait reserves the link for n bytes and sleeps until they are sent.
func (l *Listener) wait(n int) {
	d := time.Duration(float64(n) * 8 / l.bps * float64(time.Second))
	l.mu.Lock()
	now := time.Now()
	if l.linkFree.Before(now) {
		l.linkFree = now
	}
	l.linkFree = l.linkFree.Add(d)
	until := l.linkFree
	l.mu.Unlock()
	time.Sleep(time.Until(until))
}

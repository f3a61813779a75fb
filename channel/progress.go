package channel

import (
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/envseal/envseal/internal/progress"
)

// loadProgress shows the downloads of one Load on the progress display of
// internal/progress: a bar per repodata or shard-index download while Load
// runs, then, while the solve reads shards, one bar counting the shards and
// bytes fetched. Nothing is drawn unless Loader.Progress is a terminal.
// The shard display closes (drawing its total) when no shard load is in
// flight any more; a later burst opens a new one.
type loadProgress struct {
	out  io.Writer
	opts progress.Options // zero outside tests

	mu        sync.Mutex
	disp      *progress.Display // during Load, from its first download
	active    int               // shard loads in progress (fetch, decode, starting dependents)
	shardDisp *progress.Display
	shardBar  *progress.Bar
	shards    int
}

func newLoadProgress(out io.Writer) *loadProgress {
	return &loadProgress{out: out}
}

// closeLoad ends the display of the Load itself.
func (p *loadProgress) closeLoad() {
	if p == nil {
		return
	}
	p.mu.Lock()
	d := p.disp
	p.disp = nil
	p.mu.Unlock()
	d.Close()
}

// track shows the body of a 200 response on a bar named name while it is
// read; call the returned func when done.
func (p *loadProgress) track(resp *http.Response, name string) func() {
	if p == nil || p.out == nil || resp.StatusCode != http.StatusOK {
		return func() {}
	}
	// Created on the first download, so that a Load of local channels
	// draws nothing at all.
	p.mu.Lock()
	if p.disp == nil {
		p.disp = progress.New(p.out, p.opts)
	}
	d := p.disp
	p.mu.Unlock()
	if d == nil {
		return func() {}
	}
	bar := d.Start(name, max(resp.ContentLength, 0))
	resp.Body = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(resp.Body, bar), resp.Body}
	return bar.Done
}

// shardLoadStart and shardLoadEnd bracket the load of one name's shard.
func (p *loadProgress) shardLoadStart() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.active++
	p.mu.Unlock()
}

func (p *loadProgress) shardLoadEnd() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.active--
	if p.active == 0 && p.shardDisp != nil {
		p.shardBar.Done()
		p.shardDisp.Close()
		p.shardDisp, p.shardBar, p.shards = nil, nil, 0
	}
}

// shardFetched counts one downloaded shard of n bytes.
func (p *loadProgress) shardFetched(n int64) {
	if p == nil || p.out == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shardDisp == nil {
		p.shardDisp = progress.New(p.out, p.opts)
		if p.shardDisp == nil {
			return
		}
		p.shardBar = p.shardDisp.Start("repodata shards", 0)
	}
	p.shards++
	p.shardBar.Add(n)
	p.shardBar.SetName(fmt.Sprintf("repodata shards: %d", p.shards))
}

package genaipromptprocessor

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

// State keys in the storage client.
const (
	keyState = "genai_prompt_state"
	// maxSnapshotBytes bounds what is written per save.
	maxSnapshotBytes = 32 << 20
)

// persister saves the mined templates and the versions seen through a
// storage extension, and loads them back at start.
type persister struct {
	p      *promptProcessor
	id     component.ID
	client storage.Client

	dirty atomic.Bool
	stop  chan struct{}
	done  chan struct{}
	mu    sync.Mutex // serializes saves
}

func newPersister(p *promptProcessor, id component.ID) *persister {
	return &persister{p: p, id: id}
}

func (s *persister) markDirty() { s.dirty.Store(true) }

func (s *persister) start(ctx context.Context, host component.Host) error {
	ext, ok := host.GetExtensions()[s.id]
	if !ok {
		return fmt.Errorf("storage: extension %q not found", s.id)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return fmt.Errorf("storage: extension %q is not a storage extension", s.id)
	}
	client, err := se.GetClient(ctx, component.KindProcessor, s.p.set.ID, s.p.signal)
	if err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return s.startWithClient(ctx, client)
}

func (s *persister) startWithClient(ctx context.Context, client storage.Client) error {
	s.client = client
	data, err := client.Get(ctx, keyState)
	switch {
	case err != nil:
		s.p.logger.Warn("genai_prompt: could not load saved prompt state; starting empty", zap.Error(err))
	case data != nil:
		n, err := s.load(data)
		if err != nil {
			s.p.logger.Warn("genai_prompt: saved prompt state partly unreadable", zap.Error(err), zap.Int("templates_restored", n))
		} else {
			s.p.logger.Info("genai_prompt: restored prompt state", zap.Int("templates", n))
		}
	}
	interval := s.p.cfg.PersistInterval
	if interval > 0 {
		s.stop = make(chan struct{})
		s.done = make(chan struct{})
		go s.loop(interval)
	}
	return nil
}

func (s *persister) loop(interval time.Duration) {
	defer close(s.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if s.dirty.Load() {
				if err := s.save(context.Background()); err != nil {
					s.p.rl.Warn("persist", "genai_prompt: saving prompt state failed", zap.Error(err))
				}
			}
		}
	}
}

func (s *persister) shutdown(ctx context.Context) error {
	if s.stop != nil {
		close(s.stop)
		<-s.done
		s.stop = nil
	}
	if s.client == nil {
		return nil
	}
	err := s.save(ctx)
	if cerr := s.client.Close(ctx); cerr != nil {
		err = errors.Join(err, cerr)
	}
	s.client = nil
	return err
}

// The saved state is: uvarint length + seen-set bytes, then the miner
// snapshot.
func (s *persister) save(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dirty.Store(false)
	seen := s.p.seen.snapshot()
	mined := s.p.miner.Snapshot(maxSnapshotBytes)
	b := make([]byte, 0, len(seen)+len(mined)+10)
	b = binary.AppendUvarint(b, uint64(len(seen)))
	b = append(b, seen...)
	b = append(b, mined...)
	return s.client.Set(ctx, keyState, b)
}

func (s *persister) load(b []byte) (int, error) {
	l, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < l {
		return 0, errors.New("corrupt prompt state")
	}
	if err := s.p.seen.restore(b[k : k+int(l)]); err != nil {
		return 0, err
	}
	return s.p.miner.Restore(b[k+int(l):])
}

package genaipromptprocessor

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync/atomic"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/statestore"
)

// State keys in the storage client.
const (
	keyState = "genai_prompt_state"
	// stateVersion is the statestore version of the saved state. The
	// payload layout is the one saved before the statestore envelope
	// (statestore.LegacyVersion), which is read the same way.
	stateVersion = 1
	// maxSnapshotBytes bounds what is written per save.
	maxSnapshotBytes = 32 << 20
)

// persister saves the mined templates and the versions seen through a
// storage extension (internal/statestore), and loads them back at start.
type persister struct {
	p     *promptProcessor
	id    component.ID
	store *statestore.Store
	dirty atomic.Bool
}

func newPersister(p *promptProcessor, id component.ID) *persister {
	return &persister{p: p, id: id}
}

func (s *persister) markDirty() { s.dirty.Store(true) }

// start opens the store, restores the saved state (unreadable state is
// logged and the processor starts empty) and starts the periodic save.
func (s *persister) start(ctx context.Context, host component.Host) error {
	st, err := statestore.Open(ctx, host, statestore.Settings{Storage: s.id, Kind: component.KindProcessor,
		Owner: s.p.set.ID, Name: s.p.signal, Component: "genai_prompt", Logger: s.p.logger})
	if err != nil {
		return err
	}
	s.store = st
	data, version, err := st.Load(ctx, keyState)
	switch {
	case err != nil:
		s.p.logger.Warn("genai_prompt: could not load saved prompt state; starting empty", zap.Error(err))
	case data == nil:
	case version > stateVersion:
		st.Discard(ctx, keyState, fmt.Errorf("state version %d is newer than %d", version, stateVersion))
	default:
		n, err := s.load(data)
		if err != nil {
			s.p.logger.Warn("genai_prompt: saved prompt state partly unreadable", zap.Error(err), zap.Int("templates_restored", n))
		} else {
			s.p.logger.Info("genai_prompt: restored prompt state", zap.Int("templates", n))
		}
	}
	st.Every(s.p.cfg.PersistInterval, func(ctx context.Context) error {
		if !s.dirty.Load() {
			return nil
		}
		return s.save(ctx)
	})
	return nil
}

// shutdown stops the periodic save, saves once more and closes the store.
func (s *persister) shutdown(ctx context.Context) error {
	if s.store == nil {
		return nil
	}
	err := s.store.Close(ctx, s.save)
	s.store = nil
	return err
}

// The saved state is: uvarint length + seen-set bytes, then the miner
// snapshot.
func (s *persister) save(ctx context.Context) error {
	s.dirty.Store(false)
	seen := s.p.seen.snapshot()
	mined := s.p.miner.Snapshot(maxSnapshotBytes)
	b := make([]byte, 0, len(seen)+len(mined)+10)
	b = binary.AppendUvarint(b, uint64(len(seen)))
	b = append(b, seen...)
	b = append(b, mined...)
	return s.store.Save(ctx, keyState, stateVersion, b)
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

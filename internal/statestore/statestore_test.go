package statestore

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/periscope-otel/periscope/internal/testutil"
)

var storeID = component.MustNewID("file_storage")

type host struct {
	component.Host
	exts map[component.ID]component.Component
}

func (h host) GetExtensions() map[component.ID]component.Component { return h.exts }

// counted records OnError calls by operation.
type counted struct {
	mu  sync.Mutex
	ops map[string]int
}

func (c *counted) add(_ context.Context, op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ops == nil {
		c.ops = map[string]int{}
	}
	c.ops[op]++
}

func (c *counted) n(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ops[op]
}

func open(t *testing.T, mem *testutil.MemStorage, errs *counted, logger *zap.Logger) *Store {
	t.Helper()
	h := host{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{storeID: mem}}
	st, err := Open(context.Background(), h, Settings{Storage: storeID, Kind: component.KindProcessor,
		Owner: component.MustNewID("genai_prompt"), Component: "genai_prompt", Logger: logger, OnError: errs.add})
	require.NoError(t, err)
	return st
}

func TestEncodeDecode(t *testing.T) {
	for _, payload := range [][]byte{{}, []byte("x"), make([]byte, 1<<16)} {
		v, p, err := Decode(Encode(3, payload))
		require.NoError(t, err)
		assert.Equal(t, uint64(3), v)
		assert.Equal(t, payload, p)
	}
	// Values written before the envelope come back whole as version 0.
	legacy := []byte{0x05, 'h', 'e', 'l', 'l', 'o'}
	v, p, err := Decode(legacy)
	require.NoError(t, err)
	assert.Equal(t, uint64(LegacyVersion), v)
	assert.Equal(t, legacy, p)
	// A flipped payload byte, a truncated envelope, a zero version: corrupt.
	b := Encode(1, []byte("state"))
	b[len(b)-1] ^= 1
	_, _, err = Decode(b)
	assert.ErrorIs(t, err, ErrCorrupt)
	_, _, err = Decode(Encode(1, []byte("state"))[:len(magic)+2])
	assert.ErrorIs(t, err, ErrCorrupt)
	_, _, err = Decode([]byte(magic + "\x00\x00\x00\x00\x00"))
	assert.ErrorIs(t, err, ErrCorrupt)
}

// TestRoundTripAcrossRestart: what one store saves, a store opened later on
// the same extension loads, with its version; deletes remove keys.
func TestRoundTripAcrossRestart(t *testing.T) {
	mem := testutil.NewMemStorage()
	var errs counted
	st := open(t, mem, &errs, zap.NewNop())
	require.NoError(t, st.Save(context.Background(), "a", 2, []byte("alpha")))
	require.NoError(t, st.Write(context.Background(), 2, Entry{Key: "b", Value: []byte("beta")}, Entry{Key: "a"}))
	require.NoError(t, st.Close(context.Background(), func(ctx context.Context) error {
		return st.Save(ctx, "c", 2, []byte("final"))
	}))
	assert.Equal(t, 1, mem.ClosedClients())

	st = open(t, mem, &errs, zap.NewNop())
	defer func() { require.NoError(t, st.Close(context.Background(), nil)) }()
	for key, want := range map[string]string{"b": "beta", "c": "final"} {
		p, v, err := st.Load(context.Background(), key)
		require.NoError(t, err)
		assert.Equal(t, uint64(2), v)
		assert.Equal(t, want, string(p), key)
	}
	p, _, err := st.Load(context.Background(), "a")
	require.NoError(t, err)
	assert.Nil(t, p, "deleted")
	assert.Zero(t, errs.n("decode")+errs.n("get")+errs.n("write"))
}

// TestCorruptStartsEmpty: a corrupt value loads as nothing, with a warning
// and a decode error counted, never an error that would fail start.
func TestCorruptStartsEmpty(t *testing.T) {
	mem := testutil.NewMemStorage()
	b := Encode(1, []byte("good state"))
	b[len(b)-2] ^= 0xff
	mem.Put("state", b)
	core, logs := observer.New(zap.WarnLevel)
	var errs counted
	st := open(t, mem, &errs, zap.New(core))
	p, v, err := st.Load(context.Background(), "state")
	require.NoError(t, err)
	assert.Nil(t, p)
	assert.Zero(t, v)
	assert.Equal(t, 1, errs.n("decode"))
	require.Equal(t, 1, logs.Len())
	assert.Contains(t, logs.All()[0].Message, "genai_prompt")
	require.NoError(t, st.Close(context.Background(), nil))
}

// TestMissingExtension: a storage key naming no extension, or one that is
// not a storage extension, is a configuration error naming it.
func TestMissingExtension(t *testing.T) {
	_, err := Open(context.Background(), host{Host: componenttest.NewNopHost()}, Settings{Storage: storeID})
	require.ErrorContains(t, err, `"file_storage" not found`)
	h := host{Host: componenttest.NewNopHost(), exts: map[component.ID]component.Component{storeID: notStorage{}}}
	_, err = Open(context.Background(), h, Settings{Storage: storeID})
	require.ErrorContains(t, err, "not a storage extension")
}

type notStorage struct {
	component.StartFunc
	component.ShutdownFunc
}

type failing struct{ storage.Client }

func (failing) Get(context.Context, string) ([]byte, error) { return nil, errors.New("disk gone") }
func (failing) Batch(context.Context, ...*storage.Operation) error {
	return errors.New("disk full")
}
func (failing) Close(context.Context) error { return nil }

// TestStorageErrors: read and write failures are counted and returned.
func TestStorageErrors(t *testing.T) {
	var errs counted
	st := New(failing{}, Settings{Component: "genai_metrics", OnError: errs.add})
	_, _, err := st.Load(context.Background(), "k")
	require.Error(t, err)
	require.Error(t, st.Save(context.Background(), "k", 1, []byte("v")))
	assert.Equal(t, 1, errs.n("get"))
	assert.Equal(t, 1, errs.n("write"))
	require.NoError(t, st.Close(context.Background(), nil))
	require.NoError(t, st.Close(context.Background(), nil), "a second close does nothing")
}

// TestEverySavesUntilClose: the periodic save runs, and stops at Close
// before the final save.
func TestEverySavesUntilClose(t *testing.T) {
	mem := testutil.NewMemStorage()
	st := open(t, mem, &counted{}, zap.NewNop())
	saved := make(chan struct{}, 100)
	st.Every(time.Millisecond, func(ctx context.Context) error {
		select {
		case saved <- struct{}{}:
		default:
		}
		return st.Save(ctx, "tick", 1, []byte("t"))
	})
	<-saved // waits for the first periodic save, however long it takes
	require.NoError(t, st.Close(context.Background(), nil))
	n := len(saved)
	p, _, err := New(mustClient(t, mem), Settings{}).Load(context.Background(), "tick")
	require.NoError(t, err)
	assert.Equal(t, "t", string(p))
	assert.Equal(t, n, len(saved), "no save after Close")
}

func mustClient(t *testing.T, mem *testutil.MemStorage) storage.Client {
	c, err := mem.GetClient(context.Background(), component.KindProcessor, component.MustNewID("x"), "")
	require.NoError(t, err)
	return c
}

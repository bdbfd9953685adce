// Package statestore persists a component's state through a collector
// `storage` extension (file_storage in production): a versioned, checksummed
// encoding, load at start, periodic and on-shutdown saves.
//
// Its rules are the same for every component: a missing or wrong extension
// is a configuration error (Open fails, naming it); unreadable state is
// never one: it is counted, logged as a warning and the component starts
// empty. Values written before this package existed carry no envelope and
// are handed back as version 0 (LegacyVersion), so a component can read its
// old format once and write the new one from then on.
//
// Use:
//
//	st, err := statestore.Open(ctx, host, statestore.Settings{Storage: *cfg.Storage, Kind: component.KindProcessor,
//		Owner: set.ID, Component: "genai_prompt", Logger: set.Logger})
//	if b, version, err := st.Load(ctx, "state"); err == nil && b != nil { ... }
//	st.Every(time.Minute, save)     // save(ctx) error, typically st.Save(ctx, "state", 1, snapshot())
//	...
//	err = st.Close(ctx, save)       // final save, then the client is closed
package statestore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/ratelog"
)

// LegacyVersion is the version of a value written without the envelope.
const LegacyVersion = 0

// magic starts every enveloped value. No legacy value starts with it: the
// genai_prompt state starts with a non-zero uvarint, drift values with a
// tag byte or a key name, and the drift meta key is a varint of at most one
// zero byte; the checksum catches the rest.
const magic = "\x00PSS"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrCorrupt reports an enveloped value that does not decode.
var ErrCorrupt = errors.New("statestore: corrupt value")

// Encode wraps payload: magic, uvarint version (≥ 1), CRC-32C of the
// payload, payload.
func Encode(version uint64, payload []byte) []byte {
	b := make([]byte, 0, len(magic)+binary.MaxVarintLen64+4+len(payload))
	b = append(b, magic...)
	b = binary.AppendUvarint(b, version)
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(payload, castagnoli))
	return append(b, payload...)
}

// Decode unwraps a value. A value without the envelope is returned whole
// as LegacyVersion; an envelope with a bad version or checksum is
// ErrCorrupt.
func Decode(b []byte) (version uint64, payload []byte, err error) {
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		return LegacyVersion, b, nil
	}
	b = b[len(magic):]
	v, n := binary.Uvarint(b)
	if n <= 0 || v == LegacyVersion || len(b)-n < 4 {
		return 0, nil, ErrCorrupt
	}
	sum := binary.LittleEndian.Uint32(b[n:])
	payload = b[n+4:]
	if crc32.Checksum(payload, castagnoli) != sum {
		return 0, nil, ErrCorrupt
	}
	return v, payload, nil
}

// Settings name the storage extension, the owner and how to report.
type Settings struct {
	// Storage is the storage extension's id (the component's `storage` key).
	Storage component.ID
	// Kind and Owner identify the component to the extension; Name is
	// the client name (e.g. the signal of a processor instance).
	Kind  component.Kind
	Owner component.ID
	Name  string
	// Component names the component in log messages (e.g. "genai_prompt").
	Component string
	Logger    *zap.Logger
	// OnError, if set, counts persistence errors by operation: "get",
	// "write", "decode".
	OnError func(ctx context.Context, op string)
}

// Store is one component's storage client. Load and the saves may run
// concurrently with each other; saves are serialized.
type Store struct {
	set    Settings
	client storage.Client
	rl     *ratelog.Logger

	saveMu sync.Mutex
	stop   chan struct{}
	done   chan struct{}
	closed bool
}

// Open gets a client from the storage extension set.Storage of host.
func Open(ctx context.Context, host component.Host, set Settings) (*Store, error) {
	ext, ok := host.GetExtensions()[set.Storage]
	if !ok {
		return nil, fmt.Errorf("storage: extension %q not found", set.Storage.String())
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return nil, fmt.Errorf("storage: extension %q is not a storage extension", set.Storage.String())
	}
	client, err := se.GetClient(ctx, set.Kind, set.Owner, set.Name)
	if err != nil {
		return nil, fmt.Errorf("storage: extension %q: %w", set.Storage.String(), err)
	}
	return New(client, set), nil
}

// New wraps an open client.
func New(client storage.Client, set Settings) *Store {
	if set.Logger == nil {
		set.Logger = zap.NewNop()
	}
	return &Store{set: set, client: client, rl: ratelog.New(set.Logger, time.Minute, 5)}
}

func (s *Store) fail(ctx context.Context, op string, err error) {
	if s.set.OnError != nil {
		s.set.OnError(ctx, op)
	}
	s.rl.Warn("state_"+op, s.set.Component+": saved state "+op+" failed", zap.Error(err))
}

// Discard reports a value the component could not decode (a legacy value,
// or a payload its own decoder refused): counted as a decode error and
// logged; the component goes on without it.
func (s *Store) Discard(ctx context.Context, key string, err error) {
	s.fail(ctx, "decode", fmt.Errorf("%s: %w", key, err))
}

// Load reads key. A missing key is (nil, 0, nil). A value that cannot be
// decoded is counted, logged and also returned as (nil, 0, nil): the
// component starts without it. A storage error is counted, logged and
// returned (a component that would rewrite what it could not read should
// not write).
func (s *Store) Load(ctx context.Context, key string) (payload []byte, version uint64, err error) {
	b, err := s.client.Get(ctx, key)
	if err != nil {
		s.fail(ctx, "get", err)
		return nil, 0, err
	}
	if b == nil {
		return nil, 0, nil
	}
	version, payload, derr := Decode(b)
	if derr != nil {
		s.Discard(ctx, key, derr)
		return nil, 0, nil
	}
	return payload, version, nil
}

// Save writes payload under key with version.
func (s *Store) Save(ctx context.Context, key string, version uint64, payload []byte) error {
	return s.Write(ctx, version, Entry{Key: key, Value: payload})
}

// Entry is one key to set, or to delete when Value is nil.
type Entry struct {
	Key   string
	Value []byte
}

// Write applies entries in one batch, every value enveloped with version.
// An error is counted and logged, and returned.
func (s *Store) Write(ctx context.Context, version uint64, entries ...Entry) error {
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	ops := make([]*storage.Operation, 0, len(entries))
	for _, e := range entries {
		if e.Value == nil {
			ops = append(ops, storage.DeleteOperation(e.Key))
		} else {
			ops = append(ops, storage.SetOperation(e.Key, Encode(version, e.Value)))
		}
	}
	if len(ops) == 0 {
		return nil
	}
	if err := s.client.Batch(ctx, ops...); err != nil {
		s.fail(ctx, "write", err)
		return err
	}
	return nil
}

// Every calls save every interval until Close (a non-positive interval
// does nothing). Its errors are expected to be reported by save itself
// (Write does).
func (s *Store) Every(interval time.Duration, save func(context.Context) error) {
	if interval <= 0 || s.stop != nil {
		return
	}
	s.stop = make(chan struct{})
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				_ = save(context.Background())
			}
		}
	}()
}

// Close stops the periodic save, runs final (if not nil) and closes the
// client. A second call does nothing.
func (s *Store) Close(ctx context.Context, final func(context.Context) error) error {
	if s == nil || s.closed {
		return nil
	}
	s.closed = true
	if s.stop != nil {
		close(s.stop)
		<-s.done
	}
	var err error
	if final != nil {
		err = final(ctx)
	}
	return errors.Join(err, s.client.Close(ctx))
}

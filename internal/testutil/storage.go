package testutil

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// MemStorage is a storage extension whose data outlives its clients, as a
// file_storage database outlives the collector process: tests stop a
// component and start a new one on the same MemStorage to check that state
// survives a restart.
type MemStorage struct {
	component.StartFunc
	component.ShutdownFunc

	mu     sync.Mutex
	data   map[string][]byte
	closed int
}

// NewMemStorage returns an empty MemStorage.
func NewMemStorage() *MemStorage { return &MemStorage{data: map[string][]byte{}} }

// GetClient returns a client on the shared data.
func (m *MemStorage) GetClient(context.Context, component.Kind, component.ID, string) (storage.Client, error) {
	return &memClient{m}, nil
}

// Value returns a copy of what is stored under k (nil if nothing).
func (m *MemStorage) Value(k string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.data[k]; ok {
		return append([]byte(nil), v...)
	}
	return nil
}

// Put stores v under k, e.g. to plant corrupt state.
func (m *MemStorage) Put(k string, v []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.data[k] = append([]byte(nil), v...)
}

// ClosedClients counts the clients closed so far.
func (m *MemStorage) ClosedClients() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed
}

type memClient struct{ m *MemStorage }

func (c *memClient) Get(_ context.Context, k string) ([]byte, error) { return c.m.Value(k), nil }

func (c *memClient) Set(_ context.Context, k string, v []byte) error {
	c.m.Put(k, v)
	return nil
}

func (c *memClient) Delete(_ context.Context, k string) error {
	c.m.mu.Lock()
	defer c.m.mu.Unlock()
	delete(c.m.data, k)
	return nil
}

func (c *memClient) Batch(ctx context.Context, ops ...*storage.Operation) error {
	for _, op := range ops {
		switch op.Type {
		case storage.Get:
			op.Value, _ = c.Get(ctx, op.Key)
		case storage.Set:
			_ = c.Set(ctx, op.Key, op.Value)
		case storage.Delete:
			_ = c.Delete(ctx, op.Key)
		}
	}
	return nil
}

func (c *memClient) Close(context.Context) error {
	c.m.mu.Lock()
	c.m.closed++
	c.m.mu.Unlock()
	return nil
}

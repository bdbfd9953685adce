package genaicostprocessor

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/periscope-otel/periscope/internal/pricing"
	"github.com/periscope-otel/periscope/internal/pricing/catalog"
	"github.com/periscope-otel/periscope/internal/pricing/loaders"
)

// tableSource is one configured price file and its last good table.
type tableSource struct {
	cfg   TableConfig
	mtime time.Time
	size  int64
	seen  bool
	table *pricing.Table // last good
}

// store owns the current catalog and swaps it atomically on reload.
type store struct {
	logger    *zap.Logger
	embedded  *pricing.Table
	overrides []pricing.Override
	ovHash    string
	sources   []*tableSource
	cur       atomic.Pointer[pricing.Catalog]
	onLoad    func(table string, ok bool)

	mu     sync.Mutex // serializes reloads
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newStore(cfg *Config, logger *zap.Logger, onLoad func(string, bool)) (*store, error) {
	s := &store{logger: logger, onLoad: onLoad}
	if !cfg.DisableEmbedded {
		t, err := catalog.Default()
		if err != nil {
			return nil, fmt.Errorf("embedded catalog: %w", err)
		}
		s.embedded = t
	}
	h := sha256.New()
	for i := range cfg.Models {
		o, err := cfg.Models[i].override()
		if err != nil {
			return nil, fmt.Errorf("models[%d]: %w", i, err)
		}
		s.overrides = append(s.overrides, o)
		fmt.Fprintf(h, "%#v", cfg.Models[i])
	}
	s.ovHash = hex.EncodeToString(h.Sum(nil)[:6])
	for _, t := range cfg.Tables {
		s.sources = append(s.sources, &tableSource{cfg: t})
	}
	s.reload(true)
	return s, nil
}

func (s *store) catalog() *pricing.Catalog { return s.cur.Load() }

// reload re-reads changed files. A file that fails to load keeps its last
// good table; the error names the file (and the entry, from the parser).
func (s *store) reload(initial bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := initial
	for _, src := range s.sources {
		fi, err := os.Stat(src.cfg.Path)
		if err != nil {
			if !src.seen || initial {
				s.logger.Error("price table not readable; keeping the last good table", zap.String("file", src.cfg.Path), zap.Error(err))
				s.report(src.cfg.Path, false)
			}
			src.seen = true
			continue
		}
		if src.seen && fi.ModTime().Equal(src.mtime) && fi.Size() == src.size {
			continue
		}
		src.seen, src.mtime, src.size = true, fi.ModTime(), fi.Size()
		t, err := loadFile(src.cfg)
		if err != nil {
			s.logger.Error("price table rejected; keeping the last good table", zap.String("file", src.cfg.Path), zap.Error(err))
			s.report(src.cfg.Path, false)
			continue
		}
		src.table, changed = t, true
		s.report(src.cfg.Path, true)
		s.logger.Info("price table loaded", zap.String("file", src.cfg.Path), zap.String("format", src.cfg.Format),
			zap.Int("entries", t.Len()), zap.String("hash", t.Hash))
		logWarnings(s.logger, src.cfg.Path, t.Warnings)
	}
	if !changed {
		return
	}
	var layers []*pricing.Table
	h := sha256.New()
	for i := len(s.sources) - 1; i >= 0; i-- { // later files first
		if t := s.sources[i].table; t != nil {
			layers = append(layers, t)
			h.Write([]byte(t.Hash))
		}
	}
	if s.embedded != nil {
		layers = append(layers, s.embedded)
		h.Write([]byte(s.embedded.Hash))
	}
	h.Write([]byte(s.ovHash))
	s.cur.Store(pricing.NewCatalog(s.overrides, layers, hex.EncodeToString(h.Sum(nil)[:6])))
}

func (s *store) report(table string, ok bool) {
	if s.onLoad != nil {
		s.onLoad(table, ok)
	}
}

func loadFile(cfg TableConfig) (*pricing.Table, error) {
	f, err := os.Open(cfg.Path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, loaders.MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	switch cfg.Format {
	case FormatLiteLLM:
		return loaders.LoadLiteLLM(data, cfg.Path)
	case FormatLangfuse:
		return loaders.LoadLangfuse(data, cfg.Path)
	default:
		return catalog.Parse(data, cfg.Path)
	}
}

// logWarnings logs the validator's findings once per load: counts by kind
// and a few examples, never one line per entry.
func logWarnings(logger *zap.Logger, table string, w []pricing.Warning) {
	if len(w) == 0 {
		return
	}
	by := pricing.Summarize(w)
	kinds := make([]string, 0, len(by))
	for k, n := range by {
		kinds = append(kinds, fmt.Sprintf("%s=%d", k, n))
	}
	sort.Strings(kinds)
	var ex []string
	seen := map[string]int{}
	for _, x := range w {
		if seen[x.Kind] < 2 && len(ex) < 12 {
			seen[x.Kind]++
			ex = append(ex, x.Kind+": "+x.Entry+": "+x.Msg)
		}
	}
	logger.Warn("price table data warnings", zap.String("table", table), zap.String("by_kind", strings.Join(kinds, ",")), zap.Strings("examples", ex))
}

func (s *store) start(interval time.Duration) {
	if interval <= 0 || len(s.sources) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tk := time.NewTicker(interval)
		defer tk.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
				s.reload(false)
			}
		}
	}()
}

func (s *store) stop() {
	if s.cancel != nil {
		s.cancel()
		s.wg.Wait()
		s.cancel = nil
	}
}

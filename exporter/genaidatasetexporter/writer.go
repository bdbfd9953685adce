package genaidatasetexporter

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// fileMode is the mode of every dataset file: rows carry prompts and
// answers, readable by the collector's user only.
const fileMode fs.FileMode = 0o600

// rotatingWriter appends rows to the current dataset file of a directory,
// opening a new file (named by its UTC opening time and a sequence number,
// so names sort in age order) when the current one is full or old, and
// deleting the oldest files beyond the directory's byte budget.
type rotatingWriter struct {
	dir, prefix, suffix string
	gzip                bool
	maxBytes            int64
	maxAge              time.Duration
	maxTotal            int64
	now                 func() time.Time

	// Telemetry hooks (may be nil).
	onRotate func()
	onDelete func(n int)

	mu      sync.Mutex
	f       *os.File
	gz      *gzip.Writer
	name    string
	written int64 // bytes of JSON written to the current file
	opened  time.Time
	seq     int
}

func newRotatingWriter(cfg *Config) *rotatingWriter {
	w := &rotatingWriter{dir: cfg.Directory, prefix: cfg.FilePrefix, suffix: ".jsonl", gzip: cfg.Compression == CompressionGzip,
		maxBytes: cfg.MaxBytes, maxAge: cfg.MaxAge, maxTotal: cfg.MaxTotalBytes, now: time.Now}
	if w.gzip {
		w.suffix += ".gz"
	}
	return w
}

// writeRows appends rows (buf holds them back to back; ends[i] is the end
// offset of row i, each ending with a newline). A row never spans two
// files: the file is rotated between rows.
func (w *rotatingWriter) writeRows(buf []byte, ends []int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	start := 0
	for start < len(buf) {
		if w.f != nil && (w.written >= w.maxBytes || w.now().Sub(w.opened) >= w.maxAge) {
			if err := w.closeLocked(); err != nil {
				return err
			}
			if w.onRotate != nil {
				w.onRotate()
			}
		}
		if w.f == nil {
			if err := w.openLocked(); err != nil {
				return err
			}
		}
		// As many whole rows as fit the current file (at least one).
		room := w.maxBytes - w.written
		end := start
		for _, e := range ends {
			if e <= start {
				continue
			}
			if end > start && int64(e-start) > room {
				break
			}
			end = e
		}
		if err := w.writeLocked(buf[start:end]); err != nil {
			return err
		}
		start = end
	}
	if w.gz != nil {
		// Every batch ends a deflate block: what was acknowledged is readable.
		if err := w.gz.Flush(); err != nil {
			name := w.name
			_ = w.closeLocked()
			return fmt.Errorf("flush %s: %w", name, err)
		}
	}
	return nil
}

func (w *rotatingWriter) writeLocked(p []byte) error {
	var err error
	if w.gz != nil {
		_, err = w.gz.Write(p)
	} else {
		_, err = w.f.Write(p)
	}
	if err != nil {
		// The file may be gone or full: the retry starts a new one.
		name := w.name
		_ = w.closeLocked()
		return fmt.Errorf("write %s: %w", name, err)
	}
	w.written += int64(len(p))
	return nil
}

func (w *rotatingWriter) openLocked() error {
	if err := os.MkdirAll(w.dir, 0o700); err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	now := w.now().UTC()
	stamp := now.Format("20060102T150405.000Z")
	for range 1000 {
		w.seq++
		name := filepath.Join(w.dir, fmt.Sprintf("%s-%s-%06d%s", w.prefix, stamp, w.seq, w.suffix))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("open dataset file: %w", err)
		}
		w.f, w.name, w.written, w.opened = f, name, 0, now
		if w.gzip {
			w.gz = gzip.NewWriter(f)
		}
		w.retainLocked()
		return nil
	}
	return errors.New("open dataset file: no free file name")
}

// closeLocked ends the current file (gzip trailer, fsync).
func (w *rotatingWriter) closeLocked() error {
	if w.f == nil {
		return nil
	}
	var errs []error
	if w.gz != nil {
		errs = append(errs, w.gz.Close())
	}
	errs = append(errs, w.f.Sync(), w.f.Close())
	w.f, w.gz = nil, nil
	w.retainLocked()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close %s: %w", w.name, err)
	}
	return nil
}

// close ends the current file; the next write opens a new one.
func (w *rotatingWriter) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closeLocked()
}

// retainLocked deletes the oldest dataset files while the directory's
// dataset files exceed maxTotal. The open file is never deleted.
func (w *rotatingWriter) retainLocked() {
	if w.maxTotal <= 0 {
		return
	}
	entries, err := os.ReadDir(w.dir)
	if err != nil {
		return
	}
	type file struct {
		name string
		size int64
	}
	var files []file
	var total int64
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasPrefix(n, w.prefix+"-") || !(strings.HasSuffix(n, ".jsonl") || strings.HasSuffix(n, ".jsonl.gz")) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		files = append(files, file{n, info.Size()})
		total += info.Size()
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	deleted := 0
	for _, f := range files {
		if total <= w.maxTotal {
			break
		}
		p := filepath.Join(w.dir, f.name)
		if w.f != nil && p == w.name {
			continue
		}
		if os.Remove(p) == nil {
			total -= f.size
			deleted++
		}
	}
	if deleted > 0 && w.onDelete != nil {
		w.onDelete(deleted)
	}
}

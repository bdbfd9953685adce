package genaidatasetexporter

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Selection modes of `select`.
const (
	SelectFlagged = "flagged" // calls with at least one failed evaluation
	SelectAll     = "all"     // every model call with content
)

// Compression values.
const (
	CompressionNone = "none"
	CompressionGzip = "gzip"
)

// Config is the configuration of the genai_dataset exporter.
type Config struct {
	// Directory receives the dataset files (created with mode 0700 when
	// missing). Files are named genai-dataset-<UTC timestamp>-<seq>.jsonl[.gz].
	Directory string `mapstructure:"directory"`
	// FilePrefix starts every file name (default "genai-dataset").
	FilePrefix string `mapstructure:"file_prefix"`

	// Select is `flagged` (calls with any failed evaluation) or `all`.
	Select string `mapstructure:"select"`
	// Conditions are OTTL conditions (OR-ed) limiting the calls in scope:
	// span conditions in a traces pipeline, log conditions (on the first
	// content record of the call) in a logs pipeline. Empty = every call.
	Conditions []string `mapstructure:"conditions"`
	// SampleRatio in [0,1] also keeps this share of the unflagged calls in
	// scope, decided by trace id (every call of a kept trace is kept).
	SampleRatio float64 `mapstructure:"sample_ratio"`
	// MaxContentBytes bounds the content read per call (messages, system
	// instructions, documents, tool definitions); what is cut sets the
	// row's `truncated`.
	MaxContentBytes int `mapstructure:"max_content_bytes"`

	// MaxBytes rotates the current file once it holds this many bytes of
	// JSON (before compression).
	MaxBytes int64 `mapstructure:"max_bytes"`
	// MaxAge rotates the current file once it is this old (checked on
	// write; an idle file stays open).
	MaxAge time.Duration `mapstructure:"max_age"`
	// Compression is `none` or `gzip` (each file one gzip stream).
	Compression string `mapstructure:"compression"`
	// MaxTotalBytes deletes the oldest dataset files of the directory once
	// their total size on disk exceeds it (0 = keep everything).
	MaxTotalBytes int64 `mapstructure:"max_total_bytes"`

	// Dedup remembers this many recently written calls (traces and logs
	// share it), so a call whose content arrives on its span and in its
	// log records, or is delivered again, is written once.
	DedupSlots int `mapstructure:"dedup_slots"`

	// SessionTotals adds to each row the running totals of its session.
	SessionTotals SessionTotalsConfig `mapstructure:"session_totals"`

	TimeoutConfig exporterhelper.TimeoutConfig                             `mapstructure:",squash"`
	QueueConfig   configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	RetryConfig   configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`
}

// SessionTotalsConfig bounds the per-session running totals.
type SessionTotalsConfig struct {
	// MaxSessions is the number of sessions held; the least recently
	// active is forgotten first. 0 disables session totals.
	MaxSessions int `mapstructure:"max_sessions"`
	// TTL restarts the totals of a session idle for this long.
	TTL time.Duration `mapstructure:"ttl"`
}

func createDefaultConfig() *Config {
	return &Config{
		Directory:       filepath.Join("data", "genai_dataset"),
		FilePrefix:      "genai-dataset",
		Select:          SelectFlagged,
		SampleRatio:     0,
		MaxContentBytes: 1 << 20,
		MaxBytes:        64 << 20,
		MaxAge:          time.Hour,
		Compression:     CompressionNone,
		MaxTotalBytes:   1 << 30,
		DedupSlots:      1 << 16,
		SessionTotals:   SessionTotalsConfig{MaxSessions: 10000, TTL: 24 * time.Hour},
		TimeoutConfig:   exporterhelper.NewDefaultTimeoutConfig(),
		QueueConfig:     configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		RetryConfig:     configretry.NewDefaultBackOffConfig(),
	}
}

// Validate checks the configuration and names the offending key.
func (c *Config) Validate() error {
	if c.Directory == "" {
		return errors.New("directory: must not be empty")
	}
	if c.FilePrefix == "" || filepath.Base(c.FilePrefix) != c.FilePrefix {
		return fmt.Errorf("file_prefix: must be a plain file name prefix, got %q", c.FilePrefix)
	}
	switch c.Select {
	case SelectFlagged, SelectAll:
	default:
		return fmt.Errorf("select: must be %q or %q, got %q", SelectFlagged, SelectAll, c.Select)
	}
	if !(c.SampleRatio >= 0 && c.SampleRatio <= 1) {
		return fmt.Errorf("sample_ratio: must be in [0,1], got %v", c.SampleRatio)
	}
	if c.MaxContentBytes <= 0 {
		return fmt.Errorf("max_content_bytes: must be > 0, got %d", c.MaxContentBytes)
	}
	if c.MaxBytes <= 0 {
		return fmt.Errorf("max_bytes: must be > 0, got %d", c.MaxBytes)
	}
	if c.MaxAge <= 0 {
		return fmt.Errorf("max_age: must be > 0, got %v", c.MaxAge)
	}
	switch c.Compression {
	case CompressionNone, "", CompressionGzip:
	default:
		return fmt.Errorf("compression: must be %q or %q, got %q", CompressionNone, CompressionGzip, c.Compression)
	}
	if c.MaxTotalBytes < 0 {
		return fmt.Errorf("max_total_bytes: must be >= 0, got %d", c.MaxTotalBytes)
	}
	if c.MaxTotalBytes > 0 && c.MaxTotalBytes < c.MaxBytes {
		return fmt.Errorf("max_total_bytes: must be 0 or >= max_bytes (%d), got %d", c.MaxBytes, c.MaxTotalBytes)
	}
	if c.DedupSlots < 1 || c.DedupSlots&(c.DedupSlots-1) != 0 {
		return fmt.Errorf("dedup_slots: must be a power of two >= 1, got %d", c.DedupSlots)
	}
	if c.SessionTotals.MaxSessions < 0 {
		return fmt.Errorf("session_totals.max_sessions: must be >= 0, got %d", c.SessionTotals.MaxSessions)
	}
	if c.SessionTotals.TTL < 0 {
		return fmt.Errorf("session_totals.ttl: must be >= 0, got %v", c.SessionTotals.TTL)
	}
	for i, cond := range c.Conditions {
		if cond == "" {
			return fmt.Errorf("conditions[%d]: must not be empty", i)
		}
	}
	return nil
}

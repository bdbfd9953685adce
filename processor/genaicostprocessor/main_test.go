package genaicostprocessor

import (
	"testing"

	"go.uber.org/goleak"
)

// The reload poller must stop on Shutdown.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

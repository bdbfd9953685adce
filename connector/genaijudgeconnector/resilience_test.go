package genaijudgeconnector

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A 429 with Retry-After is retried no sooner than the judge asked, even
// when retry_backoff is shorter.
func TestRetryAfterHonoured(t *testing.T) {
	var mu sync.Mutex
	var at []time.Time
	judge := newStubJudge(t, func(n int64, w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		chatReply(w, `{"score":0,"verdict":"pass","reason":"ok"}`)
	})
	cfg := testConfig(judge.URL + "/v1")
	cfg.Rubrics = []string{RubricFaithfulness}
	cfg.RetryBackoff = time.Millisecond
	h := newHarness(t, cfg)
	require.NoError(t, h.c.ConsumeTraces(context.Background(), failingCall(1)))
	h.waitRecords(t, 1)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, at, 2)
	// A lower bound only: the retry cannot come before the judge's Retry-After.
	assert.GreaterOrEqual(t, at[1].Sub(at[0]), time.Second)
}

func TestRetryAfterParsing(t *testing.T) {
	assert.Equal(t, 3*time.Second, retryAfter("3"))
	assert.Equal(t, time.Duration(0), retryAfter(""))
	assert.Equal(t, time.Duration(0), retryAfter("soon"))
	assert.Equal(t, time.Duration(0), retryAfter("-5"))
	d := retryAfter(time.Now().Add(10 * time.Second).UTC().Format(http.TimeFormat))
	assert.True(t, d > 8*time.Second && d <= 10*time.Second, "HTTP date: %v", d)
}

// A judge that stays down, or flaps, is one warning per openNoteEvery, not
// one per cooldown; recovery is reported.
func TestBreakerNotificationsRateLimited(t *testing.T) {
	now := time.Unix(0, 0)
	var notes []int
	b := &breaker{threshold: 1, cooldown: time.Minute, now: func() time.Time { return now }, onChange: func(s int) { notes = append(notes, s) }}
	fail := func() {
		require.True(t, b.allow())
		b.result(false)
	}
	fail() // opens: noted
	for i := 0; i < 3; i++ {
		now = now.Add(time.Minute)
		fail() // half-open trial fails: reopens, not noted
	}
	assert.Equal(t, []int{circuitOpen}, notes)
	now = now.Add(time.Minute)
	require.True(t, b.allow())
	b.result(true) // recovered
	fail()         // flaps within openNoteEvery: not noted
	assert.Equal(t, []int{circuitOpen, circuitClosed}, notes)
	now = now.Add(openNoteEvery)
	require.True(t, b.allow())
	b.result(true)
	fail() // a new outage later: noted
	assert.Equal(t, []int{circuitOpen, circuitClosed, circuitClosed, circuitOpen}, notes)
}

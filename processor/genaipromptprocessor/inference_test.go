package genaipromptprocessor

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	firstNames = []string{"Ingrid", "Tomás", "Aiko", "Oluwaseun", "Priya", "Marek", "Chen Wei", "Fatima", "Liam", "Sofía", "Dmitri", "Amara"}
	lastNames  = []string{"Okafor", "Lindqvist", "Nakamura", "García", "Kowalski", "Haddad", "O'Brien", "Nguyen", "Rossi", "Müller"}
	issues     = []string{
		"cannot log in since the password reset, the reset link says it expired",
		"was charged twice for the March invoice and wants a refund",
		"reports the mobile app crashes when opening the camera on Android 14",
		"asks whether the Aurora 2 kettle is covered by the extended warranty",
		"received the wrong size (XL instead of M) and the return label is missing",
		"cannot export reports to CSV; the button spins forever",
		"wants to move the subscription to the annual plan before renewal",
		"says the delivery tracking has not updated for six days",
	}
	docs = []string{
		"Quarterly review\n\nRevenue grew in all regions except APAC.\nChurn fell to its lowest level in two years.\n\nRisks: supplier delays, FX exposure.",
		"Meeting notes — platform sync\n- migration of the billing service slips one sprint\n- on-call rota changes next week\n- decision: freeze schema changes until the audit is over",
		"Incident report\nAt 02:14 the primary database failed over. Writes were refused for four minutes.\nRoot cause: disk saturation caused by a runaway batch job.\nFollow-ups: rate-limit the batch, add an alert on disk queue depth.",
		"Product description\nThe Aurora 2 is a 1.7 litre kettle with six temperature presets,\na keep-warm mode and an auto shut-off. Warranty: two years.",
	}
)

func randJSON(r *rand.Rand) string {
	return fmt.Sprintf("{\n  \"order_id\": \"ORD-%d\",\n  \"customer\": {\"name\": %q, \"email\": \"%s@example.com\"},\n  \"items\": [{\"sku\": \"SKU-%d\", \"qty\": %d}],\n  \"total\": %d.%02d\n}",
		r.IntN(900000)+100000, pick(r, firstNames)+" "+pick(r, lastNames), strings.ToLower(pick(r, lastNames)), r.IntN(9000)+1000, r.IntN(5)+1, r.IntN(900)+10, r.IntN(100))
}

func pick(r *rand.Rand, s []string) string { return s[r.IntN(len(s))] }

func ticket(r *rand.Rand) string {
	return fmt.Sprintf("Customer %s %s (id %d) %s. Opened %d days ago, priority P%d.", pick(r, firstNames), pick(r, lastNames), r.IntN(90000)+10000, pick(r, issues), r.IntN(30)+1, r.IntN(4)+1)
}

// templates renders calls from five templates of different shapes.
type tmplCase struct {
	name   string
	render func(r *rand.Rand) (system, user string)
}

var inferenceTemplates = []tmplCase{
	{"ticket-summary", func(r *rand.Rand) (string, string) {
		return "", "Summarize the following support ticket in one sentence for the on-call engineer.\nTicket: " + ticket(r)
	}},
	{"reply-email", func(r *rand.Rand) (string, string) {
		return "You are a courteous support agent for Acme. Never promise refunds. Sign as \"Acme Support\".",
			fmt.Sprintf("Write a reply to %s %s about this issue:\n%s\n\nKeep it under 120 words.", pick(r, firstNames), pick(r, lastNames), ticket(r))
	}},
	{"json-extract", func(r *rand.Rand) (string, string) {
		return "", "Extract the customer name, email and order total from the JSON below. Answer as CSV with a header row.\n\n```json\n" + randJSON(r) + "\n```"
	}},
	{"doc-qa", func(r *rand.Rand) (string, string) {
		return "Answer only from the document. If the answer is not in the document, say you do not know.",
			fmt.Sprintf("Document:\n%s\nAttached: %s\n\nQuestion: what does the document say about %s?", pick(r, docs), ticket(r), pick(r, []string{"risks", "the warranty", "the follow-ups", "the migration", "churn", "the root cause"}))
	}},
	{"free-chat", func(r *rand.Rand) (string, string) {
		// system prompt with free user input
		return "You are Railtrip, an assistant that plans rail journeys in Europe. Prefer direct trains, give departure times in local time, and always mention whether a seat reservation is required. Do not book anything yourself.",
			pick(r, []string{"Berlin to Prague tomorrow morning?", "Cheapest way from Lyon to Milan in May", "Is the night train from Vienna to Venice still running?", fmt.Sprintf("I need to be in Amsterdam by %d:00 on Friday, leaving Cologne.", r.IntN(12)+8), "Can I take a bike on the TGV?"})
	}},
}

// TestInferenceSplitsAndMerges: 5 templates x 20 renderings, interleaved;
// every template gets exactly one hash and version, no two templates share
// one; an edit of one word gives a new version under the same name.
func TestInferenceSplitsAndMerges(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		h := newHarness(t, defaultCfg())
		type call struct{ tmpl, sys, user string }
		var calls []call
		for _, tc := range inferenceTemplates {
			for range 20 {
				s, u := tc.render(r)
				calls = append(calls, call{tc.name, s, u})
			}
		}
		r.Shuffle(len(calls), func(i, j int) { calls[i], calls[j] = calls[j], calls[i] })
		td, ss := newTraces("support-bot")
		for _, c := range calls {
			chatSpan(ss, c.sys, c.user, nil)
		}
		got := h.run(t, td)
		require.Len(t, got, len(calls))
		hashes := map[string]map[string]bool{}
		owner := map[string]string{}
		news := map[string]int{}
		for i, c := range calls {
			g := got[i]
			assert.Equal(t, "inferred", g.source)
			if hashes[c.tmpl] == nil {
				hashes[c.tmpl] = map[string]bool{}
			}
			hashes[c.tmpl][g.hash] = true
			if o, ok := owner[g.hash]; ok && o != c.tmpl {
				t.Errorf("seed %d: templates %s and %s merged into %s", seed, o, c.tmpl, g.hash)
			}
			owner[g.hash] = c.tmpl
			assert.Equal(t, g.hash[:8], g.version)
			if g.isNew {
				news[c.tmpl]++
			}
		}
		for name, hs := range hashes {
			assert.Len(t, hs, 1, "seed %d: template %s split", seed, name)
			assert.Equal(t, 1, news[name], "seed %d: template %s: one new_version mark", seed, name)
		}

		// edit one word of the summary template after it is established
		td2, ss2 := newTraces("support-bot")
		for range 5 {
			chatSpan(ss2, "", "Summarize the following support ticket in one sentence for the on-call manager.\nTicket: "+ticket(r), nil)
		}
		got2 := h.run(t, td2)
		var orig out
		for i, c := range calls {
			if c.tmpl == "ticket-summary" {
				orig = got[i]
				break
			}
		}
		for i, g := range got2 {
			assert.NotEqual(t, orig.hash, g.hash, "edited template must get a new hash")
			assert.Equal(t, got2[0].hash, g.hash, "renderings of the edited template share one hash")
			assert.Equal(t, i == 0, g.isNew)
			assert.Equal(t, orig.name, g.name, "the edited version stays under the prompt's name")
		}
	}
}

func TestInferenceNaming(t *testing.T) {
	h := newHarness(t, defaultCfg())
	td, ss := newTraces("planner")
	chatSpan(ss, "You plan trips.", "Go to Rome", map[string]any{"gen_ai.agent.name": "Railtrip"})
	chatSpan(ss, "You plan trips.", "Go to Oslo", nil)
	chatSpan(ss, "", "Translate to French: good morning", map[string]any{"gen_ai.prompt.name": "translate"})
	got := h.run(t, td)
	require.Len(t, got, 3)
	assert.Equal(t, "Railtrip", got[0].name)
	assert.True(t, strings.HasPrefix(got[1].name, "planner/chat/"), got[1].name)
	assert.Equal(t, "translate", got[2].name)
	assert.Equal(t, "inferred", got[2].source, "a declared name without version gets an inferred version")
}

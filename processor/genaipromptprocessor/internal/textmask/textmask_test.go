package textmask

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func texts(t []Token) string {
	var s []string
	for _, k := range t {
		s = append(s, k.Text)
	}
	return strings.Join(s, " ")
}

func TestAppendMasks(t *testing.T) {
	cases := []struct{ in, want string }{
		{"Order 123456 shipped on 2024-06-01 at 14:05.", "Order <NUM> shipped on <NUM> at <NUM> ."},
		{"write in 3 sentences", "write in 3 sentences"},
		{"mail jane.doe@example.com or see https://acme.io/x?y=1.", "mail <EMAIL> or see <URL> ."},
		{"ticket ORD-99812 id a1b2c3d4e5", "ticket ORD - <NUM> id <ID>"},
		{"key " + strings.Repeat("x", 40), "key <LONG>"},
		{"run ```go\nfmt.Println(1)\n``` now", "run <CODE> now"},
		{"open ``` fence", "open ``` fence"},
		{"a\n\n\nb\r\nc", "a \n\n b \n c"},
		{"Say \"hi\"", "Say \" hi \""},
		{"price $12.50, total 1,234", "price <NUM> , total <NUM>"},
	}
	for _, tc := range cases {
		got, _ := Append(nil, tc.in, Options{})
		assert.Equal(t, tc.want, texts(got), tc.in)
	}
	q, _ := Append(nil, `My first request is "plan a trip"`, Options{MaskQuoted: true})
	assert.Equal(t, "My first request is <QUOTED>", texts(q))
}

func TestAppendTruncates(t *testing.T) {
	in := strings.Repeat("é", 100) // 200 bytes
	got, tr := Append(nil, "ab "+in, Options{MaxBytes: 14})
	assert.True(t, tr)
	assert.Len(t, got, 2)
	assert.Equal(t, strings.Repeat("é", 5), got[1].Text, "never splits a rune")
	_, tr = Append(nil, "short", Options{MaxBytes: 51})
	assert.False(t, tr)
}

func TestTemplateAndGlob(t *testing.T) {
	tmpl, _ := AppendTemplate(nil, "Hello {{ name }}, your order {order_id} ships ${when}.", Options{})
	assert.Equal(t, "Hello <*> , your order <*> ships <*> .", texts(tmpl))
	x, _ := Append(nil, "Hello Ingrid Lindqvist, your order ORD-1 ships\ntomorrow morning.", Options{})
	assert.True(t, Glob(tmpl, x))
	y, _ := Append(nil, "Hello Ingrid, your parcel ships today.", Options{})
	assert.False(t, Glob(tmpl, y))
	lit, _ := AppendTemplate(nil, "JSON like {\"a\": 1} is not a variable", Options{})
	assert.NotContains(t, texts(lit), PhSlot)
	assert.NotEqual(t, Fingerprint(tmpl), Fingerprint(x))
}

package genaievalprocessor

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzRedactJSON checks that masking keeps JSON valid and never leaves a
// detected value behind.
func FuzzRedactJSON(f *testing.F) {
	for _, s := range []string{"jane@example.org", "4111 1111 1111 1111", "a\"b@c.de\\n", "api_key=Zq8F2Lr9Xz1Vb7Nc4Mk0Pw3Ty6Hs5Jd2G\"", "\\u0041@b.co", "x@y.zz\\\"", ""} {
		f.Add(s)
	}
	r := newRedactor(map[string]string{"email": "<EMAIL>", "credit_card": "<CARD>", "phone": "<PHONE>", "ip_address": "<IP>", "iban": "<IBAN>", "us_ssn": "<SSN>", "street_address": "<ADDR>", RedactSecrets: "<SECRET>"})
	f.Fuzz(func(t *testing.T, content string) {
		b, err := json.Marshal([]map[string]any{{"role": "user", "parts": []map[string]string{{"type": "text", "content": content}}}})
		require.NoError(t, err)
		out, _ := redactOnce(r, string(b))
		require.True(t, json.Valid([]byte(out)), "invalid JSON after redaction: %s -> %s", b, out)
	})
}

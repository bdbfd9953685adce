package sharedstate

import (
	"testing"

	"go.opentelemetry.io/collector/component"
)

func TestAcquireSharesUntilLastRelease(t *testing.T) {
	var r Registry[*int]
	id := component.MustNewID("genai_normalize")
	n := 0
	create := func() *int { n++; v := n; return &v }
	a, relA := r.Acquire(id, create)
	b, relB := r.Acquire(id, create)
	if a != b || n != 1 {
		t.Fatalf("two instances of one id got different state (%p, %p, created %d)", a, b, n)
	}
	other, relO := r.Acquire(component.MustNewIDWithName("genai_normalize", "x"), create)
	if other == a {
		t.Fatal("another id shares state")
	}
	relA()
	relA() // idempotent
	c, relC := r.Acquire(id, create)
	if c != a {
		t.Fatal("state forgotten while an instance still holds it")
	}
	relB()
	relC()
	relO()
	d, relD := r.Acquire(id, create)
	defer relD()
	if d == a {
		t.Fatal("state kept after the last release")
	}
}

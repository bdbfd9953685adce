package genaipromptprocessor

import (
	"sync"

	"go.opentelemetry.io/otel/attribute"
)

var attrSets sync.Map // string -> attribute.Set

func reasonSet(reason string) attribute.Set { return cachedSet("reason", reason) }

func sourceSet(source string) attribute.Set {
	return cachedSet("version_source", source)
}

func cachedSet(k, v string) attribute.Set {
	key := k + "=" + v
	if s, ok := attrSets.Load(key); ok {
		return s.(attribute.Set)
	}
	s := attribute.NewSet(attribute.String(k, v))
	attrSets.Store(key, s)
	return s
}

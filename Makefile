# Periscope — build, run and test. `make run` and `make test` are the two
# commands a new checkout needs; everything else is a step of those.
SHELL := /bin/bash
GO    ?= go
OCB_VERSION := v0.161.0
BIN   := $(CURDIR)/bin
OCB   := $(BIN)/ocb

# Component owners append their checks to TEST_TARGETS in mk/*.mk.
TEST_TARGETS := unit
include $(wildcard mk/*.mk)

.PHONY: test unit
unit:
	$(GO) vet ./...
	$(GO) test -count=1 ./...

test: $(TEST_TARGETS)

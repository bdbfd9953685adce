# Shipping: static binaries per platform, the OCI image (no container daemon),
# release archives with checksums and an SBOM, and the Kubernetes / Helm files.
# Their tests (deploy/tools, a module of its own so the distribution's
# dependencies stay untouched) run in `make test` as `ship-test`.
DIST        := $(BIN)/dist
IMAGE_DIR   := $(BIN)/image
RELEASE_DIR := $(BIN)/release
CYCLONEDX   := $(BIN)/cyclonedx-gomod
CYCLONEDX_VERSION := v1.10.0
# RFC 3339 commit time: images and archives are stamped with it, not "now".
CREATED := $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null || echo 1970-01-01T00:00:00Z)
IMAGE_PLATFORMS   := linux_amd64 linux_arm64
RELEASE_PLATFORMS := linux_amd64 linux_arm64 darwin_arm64

.PHONY: image release ship-test k8s-configmaps helm-values
TEST_TARGETS += ship-test

# bin/dist/<os>_<arch>/periscope, compiled from the sources `make build` generated.
$(DIST)/%/periscope: $(PERISCOPE)
	scripts/cross-build.sh $(word 1,$(subst _, ,$*)) $(word 2,$(subst _, ,$*)) $@

image: $(foreach p,$(IMAGE_PLATFORMS),$(DIST)/$(p)/periscope)
	cd deploy/tools && $(GO) run ./cmd/imagebuild --version $(BUILD_VERSION) --revision $(COMMIT) --created $(CREATED) \
	  $(foreach p,$(IMAGE_PLATFORMS),--bin $(subst _,/,$(p))=$(DIST)/$(p)/periscope) \
	  --configs $(CURDIR)/config --out $(IMAGE_DIR)

$(CYCLONEDX):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) $(GO) install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@$(CYCLONEDX_VERSION)

# Archives per platform (binary, configurations and their overlays, README, VERSION), SHA256SUMS
# and a CycloneDX SBOM of the distribution's modules.
release: $(foreach p,$(RELEASE_PLATFORMS),$(DIST)/$(p)/periscope) $(CYCLONEDX)
	@rm -rf $(RELEASE_DIR) && mkdir -p $(RELEASE_DIR)
	@for p in $(RELEASE_PLATFORMS); do \
	  name=periscope_$(VERSION)_$$p; stage=$(RELEASE_DIR)/.stage/$$name; \
	  mkdir -p $$stage/config/overlays && cp $(DIST)/$$p/periscope $$stage/ && cp config/*.yaml $$stage/config/ && \
	  cp config/overlays/*.yaml $$stage/config/overlays/ && \
	  cp README.md VERSION $$stage/ && \
	  tar --sort=name --mtime=$(CREATED) --owner=0 --group=0 --numeric-owner -C $(RELEASE_DIR)/.stage -czf $(RELEASE_DIR)/$$name.tar.gz $$name || exit 1; \
	done
	@rm -rf $(RELEASE_DIR)/.stage
	cd $(DIST_DIR) && $(CYCLONEDX) app -json -licenses=false -output $(RELEASE_DIR)/periscope_$(VERSION).cdx.json -main . .
	cd $(RELEASE_DIR) && sha256sum *.tar.gz *.cdx.json > SHA256SUMS
	@ls -l $(RELEASE_DIR)

# ConfigMaps of deploy/kubernetes are generated from config/*.yaml.
k8s-configmaps:
	cd deploy/tools && $(GO) run ./cmd/k8sconfig --configs $(CURDIR)/config --out $(CURDIR)/deploy/kubernetes/configmaps.yaml

# Values for the official OpenTelemetry Collector chart, generated from config/.
helm-values:
	cd deploy/tools && $(GO) run ./cmd/helmvalues --configs $(CURDIR)/config --out $(CURDIR)/deploy/helm

ship-test: image release
	cd deploy/tools && PERISCOPE_ROOT=$(CURDIR) PERISCOPE_IMAGE_DIR=$(IMAGE_DIR)/periscope-oci \
	  PERISCOPE_RELEASE_DIR=$(RELEASE_DIR) PERISCOPE_BUILD_VERSION=$(BUILD_VERSION) \
	  $(GO) test -count=1 -v ./...

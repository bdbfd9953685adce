# genai_cost price catalog: `make catalog` rebuilds the embedded catalog
# (internal/pricing/catalog/catalog.yaml) from its pinned
# sources, prints the summary of its diff report (new models, changed prices
# with effective dates, conflicts between sources) and writes the whole report
# to _build/catalog/report.md; `make catalog-check` fails
# when the committed catalog is not what the pinned sources produce.
#
# Sources: @pydantic/genai-prices from npm (pinned by package-lock.json in
# $(CATALOG_SRC)), the LiteLLM and Langfuse tables from $(PRICING_DATA)
# (sha256-pinned in $(CATALOG_SRC)/pins.yaml), Periscope's overrides
# ($(CATALOG_SRC)/overrides.yaml). The report diffs against the catalog
# committed at HEAD, so re-running is idempotent.
CATALOG_DIR  := internal/pricing/catalog
CATALOG_SRC  := $(CATALOG_DIR)/sources
CATALOG_TMP  := _build/catalog
PRICING_DATA ?= $(CURDIR)/../shared/data/pricing
NPM          ?= npm
NODE         ?= node

CATALOG_ARGS = -pins $(CATALOG_SRC)/pins.yaml \
	-litellm $(PRICING_DATA)/litellm_model_prices.json \
	-langfuse $(PRICING_DATA)/langfuse_default_model_prices.json \
	-genai-prices $(CATALOG_TMP)/genai-prices.json \
	-overrides $(CATALOG_SRC)/overrides.yaml \
	-out $(CATALOG_DIR)/catalog.yaml

.PHONY: catalog catalog-check catalog-sources
catalog-sources:
	@test -f $(PRICING_DATA)/litellm_model_prices.json || { echo "catalog: pinned LiteLLM/Langfuse copies not found in PRICING_DATA=$(PRICING_DATA)"; exit 1; }
	cd $(CATALOG_SRC) && $(NPM) ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@mkdir -p $(CATALOG_TMP)
	$(NODE) $(CATALOG_SRC)/dump.mjs > $(CATALOG_TMP)/genai-prices.json

catalog: catalog-sources
	git show HEAD:$(CATALOG_DIR)/catalog.yaml > $(CATALOG_TMP)/previous.yaml 2>/dev/null || cp $(CATALOG_DIR)/catalog.yaml $(CATALOG_TMP)/previous.yaml
	$(GO) run ./$(CATALOG_DIR)/cmd/periscope-catalog $(CATALOG_ARGS) \
		-previous $(CATALOG_TMP)/previous.yaml -report $(CATALOG_TMP)/report.md

# In `make test`: the shared tables sit beside the checkout, in CI too.
catalog-check: catalog-sources
	$(GO) run ./$(CATALOG_DIR)/cmd/periscope-catalog $(CATALOG_ARGS) -check

TEST_TARGETS += catalog-check

# genai_prompt: template-inference quality floors (split rate, merge rate,
# ARI, edited families merged) on the labelled prompt-template set.
.PHONY: prompt-quality
prompt-quality:
	$(GO) test -count=1 -run 'TestTemplateQuality' -v ./processor/genaipromptprocessor/internal/miner/

TEST_TARGETS += prompt-quality

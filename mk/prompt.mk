# genai_prompt: template-inference quality floors on the labelled
# prompt-template set: the traffic protocol (one service, shuffled, two
# passes, second read) and its group 5-fold held-out figure, at the targets
# of issue #12 (split ≤ 0.05, merge ≤ 0.02, ARI ≥ 0.97, ≥ 95% of edited
# families separated), plus the first-pass file/shuffled checks.
.PHONY: prompt-quality
prompt-quality:
	$(GO) test -count=1 -run 'TestTemplateQuality' -v ./processor/genaipromptprocessor/internal/miner/

TEST_TARGETS += prompt-quality

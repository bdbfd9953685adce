package genai

import (
	"strings"
	"unicode/utf8"
)

// resolve turns what was collected into the View.
func (r *reader) resolve(spanName string) {
	v := &r.v
	v.Dialect = r.dialect()
	r.category(spanName)

	// Agent/workflow names from traceloop.entity.name only on matching spans.
	switch r.tlKind {
	case "agent":
		r.setStr(fAgent, 5, r.entity)
	case "workflow":
		r.setStr(fWorkflow, 5, r.entity)
	}
	if r.invocationParams != "" || r.lfParams != "" {
		r.modelFromParams()
		r.paramsFromJSON("llm.invocation_parameters", r.invocationParams)
		r.paramsFromJSON("langfuse.observation.model.parameters", r.lfParams)
	}
	v.Request = r.params
	v.ToolDescription = r.toolDesc

	v.RequestModel = strings.TrimSpace(r.first(fRequestModel))
	v.ResponseModel = strings.TrimSpace(r.first(fResponseModel))
	if v.RequestModel == "" {
		// Some dialects (OpenInference llm.model_name) report only one model.
		v.RequestModel = v.ResponseModel
	}
	v.ResponseID = r.first(fResponseID)
	v.Provider = r.first(fProvider)
	if v.Provider == "" {
		v.Provider = r.provFromHost
	}
	if v.Provider == "" && v.Dialect != DialectNone {
		v.Provider = providerFromModel(v.Model())
	}
	v.ConversationID = r.first(fConversation)
	v.UserID = r.first(fUser)
	v.AgentName = r.first(fAgent)
	v.WorkflowName = r.first(fWorkflow)
	if v.Category == CategoryTool {
		v.ToolName = r.first(fTool)
	}

	r.usage()

	switch {
	case len(r.finish) > 0:
		v.FinishReasons = r.finish
	case r.finishAlt != "":
		v.FinishReasons = []string{NormalizeFinishReason(r.finishAlt)}
	}

	if r.cost != nil && !(r.costIsOurs && r.cost.Source == costKey) {
		v.ReportedCost = r.cost
	}

	v.Prompt.Name = r.first(fPromptName)
	v.Prompt.Version = r.first(fPromptVersion)
	v.Prompt.Template = r.first(fPromptTemplate)
	v.Prompt.Variables = r.promptVars
	if v.Prompt.Empty() {
		v.Prompt.Source = ""
	}

	if r.opts.Content {
		r.contentResolve()
		if !r.opts.SkipToolDefinitions {
			v.ToolDefinitions = append(toolDefinitions(r.toolDefs), r.flatTools.definitions()...)
		}
		r.finishOutputs()
		if len(v.FinishReasons) == 0 {
			for _, m := range v.OutputMessages {
				if m.FinishReason != "" {
					v.FinishReasons = append(v.FinishReasons, m.FinishReason)
				}
			}
		}
	}
	if len(v.FinishReasons) == 0 && len(r.eventFinish) > 0 {
		v.FinishReasons = r.eventFinish
	}
	v.ContentBytes = r.b.used
	v.Truncated = v.Truncated || r.b.truncated
}

func (r *reader) dialect() Dialect {
	m := r.marks
	switch {
	case m&mMLflow != 0:
		return DialectMLflow
	case m&mLangfuse != 0:
		return DialectLangfuse
	case m&mVercel != 0:
		return DialectVercel
	case m&mOpenInference != 0:
		return DialectOpenInference
	case m&mOpenLIT != 0:
		return DialectOpenLIT
	case m&mLogfire != 0:
		return DialectLogfire
	case m&mOpenLLMetry != 0:
		return DialectOpenLLMetry
	case m&mSemconv != 0:
		return DialectSemconv
	case m&mSemconvLegacy != 0:
		return DialectSemconvLegacy
	}
	// Bare gen_ai.* keys without a provider key (v1.27-style): semconv.
	if r.opName != "" || r.first(fRequestModel) != "" || r.intSet[iInput] != 0 || r.intSet[iOutput] != 0 || r.params.Has != 0 {
		return DialectSemconv
	}
	return DialectNone
}

func (r *reader) category(spanName string) {
	v := &r.v
	op, cat := "", CategoryNone
	switch {
	case r.opName != "":
		op = r.opName
		switch op {
		case "completion":
			op = "text_completion"
		case "generate":
			op = "generate_content"
		case "embedding":
			op = "embeddings"
		}
		cat = categoryForOperation(op)
	case r.oiKind != "":
		op, cat = fromKind(r.oiKind)
	case r.lfType != "":
		op, cat = fromKindUpper(r.lfType)
	case r.mlType != "":
		op, cat = fromKind(r.mlType)
	case r.llmReqType != "":
		switch r.llmReqType {
		case "chat":
			op = "chat"
		case "completion":
			op = "text_completion"
		case "embedding", "embeddings":
			op = "embeddings"
		case "rerank":
			op = "rerank"
		default:
			op = r.llmReqType
		}
		cat = categoryForOperation(op)
	case r.tlKind != "":
		op, cat = fromKindUpper(r.tlKind)
	case r.aiOpID != "":
		id := r.aiOpID
		switch {
		case strings.HasSuffix(id, ".doGenerate"), strings.HasSuffix(id, ".doStream"):
			op, cat = "chat", CategoryLLM
		case strings.HasSuffix(id, ".doEmbed"):
			op, cat = "embeddings", CategoryEmbedding
		case id == "ai.toolCall":
			op, cat = "execute_tool", CategoryTool
		case strings.HasPrefix(id, "ai.embed"):
			cat = CategoryChain
		default:
			op, cat = "invoke_agent", CategoryAgent
		}
	}
	// A span with a model and token counts but no recognised marker is a
	// model call (custom operation names such as OpenLIT's "image").
	if cat == CategoryOther || cat == CategoryNone {
		if r.first(fRequestModel) != "" || r.first(fResponseModel) != "" {
			if r.intSet[iInput] != 0 || r.intSet[iOutput] != 0 {
				if cat == CategoryNone {
					op = "chat"
				}
				cat = CategoryLLM
			}
		}
	}
	if cat == CategoryNone && v.Dialect != DialectNone {
		cat = CategoryOther
	}
	v.Operation, v.Category = op, cat
}

// fromKind maps OpenInference span kinds, Langfuse observation types,
// MLflow span types and traceloop span kinds (upper-cased).
func fromKind(kind string) (string, Category) {
	switch kind {
	case "LLM", "GENERATION", "CHAT_MODEL":
		return "chat", CategoryLLM
	case "EMBEDDING":
		return "embeddings", CategoryEmbedding
	case "RERANKER", "RERANK":
		return "rerank", CategoryRerank
	case "RETRIEVER", "RETRIEVAL":
		return "retrieval", CategoryRetrieval
	case "TOOL":
		return "execute_tool", CategoryTool
	case "AGENT":
		return "invoke_agent", CategoryAgent
	case "WORKFLOW":
		return "invoke_workflow", CategoryWorkflow
	case "CHAIN", "TASK":
		return "", CategoryChain
	case "GUARDRAIL":
		return "", CategoryGuardrail
	case "EVALUATOR":
		return "", CategoryEvaluator
	}
	return "", CategoryOther
}

// fromKindUpper is fromKind(strings.ToUpper(kind)); an ASCII kind is
// upper-cased on the stack (the value is only compared).
func fromKindUpper(kind string) (string, Category) {
	var buf [32]byte
	if len(kind) > len(buf) {
		return fromKind(strings.ToUpper(kind))
	}
	up := buf[:len(kind)]
	for i := 0; i < len(kind); i++ {
		c := kind[i]
		if c >= utf8.RuneSelf {
			return fromKind(strings.ToUpper(kind))
		}
		if c-'a' < 26 {
			c -= 'a' - 'A'
		}
		up[i] = c
	}
	return fromKind(string(up))
}

// modelFromParams reads "model" from llm.invocation_parameters (or the
// Langfuse model parameters) as a last-resort request model.
func (r *reader) modelFromParams() {
	for _, s := range []string{r.invocationParams, r.lfParams} {
		if s == "" || len(s) > maxMetaJSON {
			continue
		}
		i := strings.Index(s, `"model"`)
		if i < 0 {
			continue
		}
		rest := strings.TrimLeft(s[i+len(`"model"`):], " \t\n:")
		if strings.HasPrefix(rest, `"`) {
			if j := strings.IndexByte(rest[1:], '"'); j > 0 {
				r.setStr(fRequestModel, 6, rest[1:1+j])
			}
		}
	}
}

// usage applies the token convention: input includes cache reads/writes,
// output includes reasoning.
func (r *reader) usage() {
	u := &r.v.Usage
	set := func(f intField, dst *int64, bit UsageField) {
		if n, ok := r.firstInt(f); ok {
			*dst = n
			u.Has |= bit
		}
	}
	set(iInput, &u.Input, HasInput)
	set(iOutput, &u.Output, HasOutput)
	set(iTotal, &u.Total, HasTotal)
	set(iCacheRead, &u.CacheRead, HasCacheRead)
	set(iCacheWrite, &u.CacheWrite, HasCacheWrite)
	set(iReasoning, &u.Reasoning, HasReasoning)

	if u.Has&HasInput != 0 {
		if r.netOfCache || u.Input < u.CacheRead+u.CacheWrite {
			u.Input += u.CacheRead + u.CacheWrite
		}
	}
	if u.Has&HasOutput != 0 {
		if r.netReasoning || u.Output < u.Reasoning {
			u.Output += u.Reasoning
		}
	}
	if u.Has&HasTotal == 0 && u.Has&(HasInput|HasOutput) != 0 {
		u.Total = u.Input + u.Output
	} else if r.netOfCache && u.Has&HasTotal != 0 && u.Total < u.Input+u.Output {
		u.Total = u.Input + u.Output
	}
}

// contentResolve picks the highest-priority content source of each kind.
func (r *reader) contentResolve() {
	v := &r.v
	if r.sysParts != nil {
		v.SystemInstructions = r.sysParts
	} else if parts, ok := r.sysInstr.([]any); ok {
		v.SystemInstructions = r.decodeParts(parts)
	} else if s, ok := r.sysInstr.(string); ok && s != "" {
		v.SystemInstructions = []Part{{Type: PartText, Content: r.b.take(s)}}
	}

	switch {
	case r.inRead != nil:
		v.InputMessages = r.inRead
	case r.inMsgs != nil:
		v.InputMessages = r.decodeMessages(r.inMsgs, "user")
	case len(r.flatIn.msgs) > 0:
		v.InputMessages = r.flatIn.messages(r, "user")
	case len(r.oiIn.msgs) > 0:
		v.InputMessages = r.oiIn.messages(r, "user")
	case r.vercelMsgs != nil:
		v.InputMessages = r.decodeMessages(r.vercelMsgs, "user")
	case r.vercelPrompt != nil:
		r.vercelPromptMessages()
	case len(r.eventIn) > 0:
		v.InputMessages = r.eventIn
	case r.legacyPrompt != nil:
		v.InputMessages = r.decodeMessages(r.legacyPrompt, "user")
	case r.lfInput != nil && v.Category != CategoryRetrieval:
		v.InputMessages = r.decodeMessages(r.lfInput, "user")
	case r.mlInputs != nil:
		v.InputMessages = r.decodeMessages(r.mlInputs, "user")
	case r.logfireReq != nil:
		v.InputMessages = r.decodeMessages(r.logfireReq, "user")
	case r.oiInputValue != "" && v.Category == CategoryLLM:
		v.InputMessages = r.decodeMessages(r.plainOrJSON("input.value", r.oiInputValue), "user")
	}

	switch {
	case r.opts.SkipOutputMessages:
	case r.outRead != nil:
		v.OutputMessages = r.outRead
	case r.outMsgs != nil:
		v.OutputMessages = r.decodeMessages(r.outMsgs, "assistant")
	case len(r.flatOut.msgs) > 0:
		v.OutputMessages = r.flatOut.messages(r, "assistant")
	case len(r.oiOut.msgs) > 0:
		v.OutputMessages = r.oiOut.messages(r, "assistant")
	case r.vercelText != "" || r.vercelTools != "":
		r.vercelOutput()
	case len(r.eventOut) > 0:
		v.OutputMessages = r.eventOut
	case r.legacyCompl != nil:
		v.OutputMessages = r.decodeMessages(r.legacyCompl, "assistant")
	case r.lfOutput != nil && v.Category != CategoryRetrieval:
		v.OutputMessages = r.decodeMessages(r.lfOutput, "assistant")
	case r.mlOutputs != nil && v.Category != CategoryRetrieval:
		v.OutputMessages = r.decodeMessages(r.mlOutputs, "assistant")
	case r.logfireResp != nil:
		v.OutputMessages = r.decodeMessages(r.logfireResp, "assistant")
	case r.oiOutputVal != "" && v.Category == CategoryLLM:
		v.OutputMessages = r.decodeMessages(r.plainOrJSON("output.value", r.oiOutputVal), "assistant")
	}

	// Tool-call spans: the call as an assistant tool_call part, the result
	// as a tool message, so every reader sees tool traffic one way.
	if v.Category == CategoryTool && len(v.InputMessages) == 0 && len(v.OutputMessages) == 0 {
		if r.toolArgs == "" && r.oiInputValue != "" {
			r.toolArgs = r.b.take(r.oiInputValue)
		}
		if r.toolResult == "" && r.oiOutputVal != "" {
			r.toolResult = r.b.take(r.oiOutputVal)
		}
		if r.toolName != "" || r.toolArgs != "" {
			v.InputMessages = []Message{{Role: "assistant", Parts: []Part{{Type: PartToolCall, ID: r.toolID, Name: r.toolName, Arguments: r.toolArgs}}}}
		}
		if r.toolResult != "" {
			v.OutputMessages = []Message{{Role: "tool", Parts: []Part{{Type: PartToolCallResponse, ID: r.toolID, Name: r.toolName, Content: r.toolResult}}}}
		}
	}

	v.Documents = r.docs.documents()
	if len(v.Documents) == 0 && r.semconvDocs != nil {
		v.Documents = r.decodeDocuments(r.semconvDocs)
	}
	if len(v.Documents) == 0 && v.Category == CategoryRetrieval {
		switch {
		case r.mlOutputs != nil:
			v.Documents = r.decodeDocuments(r.mlOutputs)
		case r.lfOutput != nil:
			v.Documents = r.decodeDocuments(r.lfOutput)
		}
	}
	if v.RetrievalQuery == "" && v.Category == CategoryRetrieval && r.oiInputValue != "" {
		v.RetrievalQuery = r.b.take(r.oiInputValue)
	}
}

func (r *reader) plainOrJSON(key, s string) any {
	t := strings.TrimSpace(s)
	if t != "" && (t[0] == '{' || t[0] == '[') {
		if x, ok := r.decodeJSON(key, t); ok {
			return x
		}
	}
	return s
}

// vercelPromptMessages reads the outer ai.prompt {system, prompt, messages}.
func (r *reader) vercelPromptMessages() {
	if r.scanVercelPrompt() {
		return
	}
	r.vercelPrompt = force(r.vercelPrompt)
	m, ok := r.vercelPrompt.(map[string]any)
	if !ok {
		r.v.InputMessages = r.decodeMessages(r.vercelPrompt, "user")
		return
	}
	if sys := str(m["system"]); sys != "" && len(r.v.SystemInstructions) == 0 {
		r.v.SystemInstructions = []Part{{Type: PartText, Content: r.b.take(sys)}}
	}
	if msgs, ok := m["messages"]; ok && msgs != nil {
		r.v.InputMessages = r.decodeMessages(msgs, "user")
	}
	if p, ok := m["prompt"]; ok && p != nil {
		r.v.InputMessages = append(r.v.InputMessages, r.decodeMessages(p, "user")...)
	}
}

// vercelOutput builds the assistant message from ai.response.text and
// ai.response.toolCalls.
func (r *reader) vercelOutput() {
	msg := Message{Role: "assistant"}
	if r.vercelText != "" {
		msg.Parts = append(msg.Parts, Part{Type: PartText, Content: r.b.take(r.vercelText)})
	}
	if r.vercelTools != "" {
		msg.Parts = r.vercelToolCalls(msg.Parts)
	}
	if len(r.finish) > 0 {
		msg.FinishReason = r.finish[0]
	} else if r.finishAlt != "" {
		msg.FinishReason = NormalizeFinishReason(r.finishAlt)
	}
	r.v.OutputMessages = []Message{msg}
}

// finishOutputs gives output messages without a finish reason the span's
// (the semconv output-message schema requires one): by index when the span
// lists one per choice, else its first.
func (r *reader) finishOutputs() {
	v := &r.v
	reasons := r.finish
	if len(reasons) == 0 && r.finishAlt != "" {
		reasons = []string{NormalizeFinishReason(r.finishAlt)}
	}
	if len(reasons) == 0 {
		return
	}
	for i := range v.OutputMessages {
		if v.OutputMessages[i].FinishReason != "" {
			continue
		}
		if i < len(reasons) {
			v.OutputMessages[i].FinishReason = reasons[i]
		} else {
			v.OutputMessages[i].FinishReason = reasons[0]
		}
	}
}

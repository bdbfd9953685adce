package genai

import (
	"math"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Direct decoding of the dialect content documents (Vercel ai.prompt and
// ai.prompt.messages, Langfuse input/output, Logfire request/response,
// MLflow inputs/outputs, legacy gen_ai.prompt/completion): OpenAI-style
// messages, Vercel and Anthropic content parts, tool calls and the
// {messages}, {choices} and {message} wrappers, read from the JSON text
// into Messages without building maps; likewise Vercel's tool calls and
// provider metadata, and tool definitions (scantools.go).
//
// The generic decoder (appendMessages, decodeMessage, decodePart) looks
// keys up in a map, so key order does not matter there and the last of
// duplicate keys wins. The scanner therefore first indexes an object (where
// the value of each key it knows starts; every other value is validated
// and passed over) and then applies the generic decoder's rules in the
// generic decoder's order, so the budget is charged the same way. What it
// does not read (LangChain and Gemini shapes, semconv parts, escaped or
// non-ASCII keys, deep nesting, invalid JSON) makes it give up with the
// budget as it was: the caller then uses the generic decoder.

// scanOff turns the scanner off (tests comparing it with the generic
// decoder).
var scanOff bool

// ckey is a key the scanner knows (of messages, parts, tool calls, the
// Vercel prompt and provider metadata, tool definitions).
type ckey uint8

const (
	kOther ckey = iota
	kMessages
	kChoices
	kCandidates
	kMessage
	kKwargs
	kRole
	kContent
	kParts
	kName
	kFinishReason
	kToolCallID // tool_call_id
	kToolCalls
	kRefusal
	kType
	kText
	kThinking
	kID
	kToolCallIDCamel // toolCallId
	kCallID
	kToolUseID
	kToolName
	kArguments
	kInput
	kArgs
	kFunction
	kResponse
	kResult
	kOutput
	kModality
	kMimeType
	kMimeTypeCamel
	kMediaType
	kFileID
	kFileIDCamel
	kURI
	kURL
	kImageURL
	kSystem
	kPrompt
	kDescription
	kParameters
	kInputSchema
	kInputSchemaSnake
	// Vercel provider metadata
	kOpenAI
	kAnthropic
	kBedrock
	kUsage
	kCachedPromptTokens
	kReasoningTokens
	kCacheCreationInputTokens
	kCacheReadInputTokensSnake
	kCacheCreationInputTokensSnake
	kCacheReadInputTokens
	kCacheWriteInputTokens
)

func ckeyOf(k string) ckey {
	switch k {
	case "messages":
		return kMessages
	case "choices":
		return kChoices
	case "candidates":
		return kCandidates
	case "message":
		return kMessage
	case "kwargs":
		return kKwargs
	case "role":
		return kRole
	case "content":
		return kContent
	case "parts":
		return kParts
	case "name":
		return kName
	case "finish_reason":
		return kFinishReason
	case "tool_call_id":
		return kToolCallID
	case "tool_calls":
		return kToolCalls
	case "refusal":
		return kRefusal
	case "type":
		return kType
	case "text":
		return kText
	case "thinking":
		return kThinking
	case "id":
		return kID
	case "toolCallId":
		return kToolCallIDCamel
	case "call_id":
		return kCallID
	case "tool_use_id":
		return kToolUseID
	case "toolName":
		return kToolName
	case "arguments":
		return kArguments
	case "input":
		return kInput
	case "args":
		return kArgs
	case "function":
		return kFunction
	case "response":
		return kResponse
	case "result":
		return kResult
	case "output":
		return kOutput
	case "modality":
		return kModality
	case "mime_type":
		return kMimeType
	case "mimeType":
		return kMimeTypeCamel
	case "media_type":
		return kMediaType
	case "file_id":
		return kFileID
	case "fileId":
		return kFileIDCamel
	case "uri":
		return kURI
	case "url":
		return kURL
	case "image_url":
		return kImageURL
	case "system":
		return kSystem
	case "prompt":
		return kPrompt
	case "description":
		return kDescription
	case "parameters":
		return kParameters
	case "inputSchema":
		return kInputSchema
	case "input_schema":
		return kInputSchemaSnake
	case "openai":
		return kOpenAI
	case "anthropic":
		return kAnthropic
	case "bedrock":
		return kBedrock
	case "usage":
		return kUsage
	case "cachedPromptTokens":
		return kCachedPromptTokens
	case "reasoningTokens":
		return kReasoningTokens
	case "cacheCreationInputTokens":
		return kCacheCreationInputTokens
	case "cache_read_input_tokens":
		return kCacheReadInputTokensSnake
	case "cache_creation_input_tokens":
		return kCacheCreationInputTokensSnake
	case "cacheReadInputTokens":
		return kCacheReadInputTokens
	case "cacheWriteInputTokens":
		return kCacheWriteInputTokens
	}
	return kOther
}

// jfield is where the value of a known key is; a string value is decoded
// while indexing (it is read once).
type jfield struct {
	at   int32
	k    ckey
	kind byte // first byte of the value
	strv string
}

// maxFields bounds the known keys (duplicates included) of one object.
const maxFields = 12

// jobj is the index of one object.
type jobj struct {
	sc jscan // the text, for reading a value again
	n  int
	f  [maxFields]jfield
}

// index reads the object at sc.i.
func (sc *jscan) index(o *jobj) bool {
	if len(sc.s) > math.MaxInt32 || !sc.eat('{') {
		return false
	}
	o.sc, o.n = jscan{s: sc.s, checked: sc.checked}, 0
	sc.ws()
	if sc.eat('}') {
		return true
	}
	for {
		sc.ws()
		k, ok := sc.key()
		if !ok {
			return false
		}
		sc.ws()
		c := ckeyOf(k)
		if c == kOther {
			if !sc.valid(0) {
				return false
			}
		} else {
			if o.n == maxFields || sc.i >= len(sc.s) {
				return false
			}
			f := &o.f[o.n]
			o.n++
			f.k, f.at, f.kind = c, int32(sc.i), sc.s[sc.i]
			if f.kind == '"' {
				f.strv, ok = sc.str()
			} else {
				ok = sc.valid(0)
			}
			if !ok {
				return false
			}
		}
		sc.ws()
		if sc.eat(',') {
			continue
		}
		return sc.eat('}')
	}
}

// get returns the field of k (the last one: a map keeps the last duplicate).
func (o *jobj) get(k ckey) *jfield {
	for i := o.n - 1; i >= 0; i-- {
		if o.f[i].k == k {
			return &o.f[i]
		}
	}
	return nil
}

// value returns a scanner at the value of f.
func (o *jobj) value(f *jfield) jscan {
	sc := o.sc
	sc.i = int(f.at)
	return sc
}

// str is str() of the value of k: strings, numbers and booleans as text.
func (o *jobj) str(k ckey) string {
	f := o.get(k)
	if f == nil {
		return ""
	}
	switch f.kind {
	case '"':
		return f.strv
	case 't':
		return "true"
	case 'f':
		return "false"
	case 'n', '{', '[':
		return ""
	}
	sc := o.value(f)
	start := sc.i
	if !sc.number() {
		return ""
	}
	d, _ := strconv.ParseFloat(sc.s[start:sc.i], 64) // valid vouched for it
	return strconv.FormatFloat(d, 'f', -1, 64)
}

// scalar is the decoded value of k when it is a string, number or boolean
// (nil otherwise: what num refuses).
func (o *jobj) scalar(k ckey) any {
	f := o.get(k)
	if f == nil {
		return nil
	}
	switch f.kind {
	case '"':
		return f.strv
	case 't':
		return true
	case 'f':
		return false
	case 'n', '{', '[':
		return nil
	}
	sc := o.value(f)
	start := sc.i
	sc.number()
	d, _ := strconv.ParseFloat(sc.s[start:sc.i], 64) // valid vouched for it
	return d
}

func (o *jobj) firstStr(keys ...ckey) string {
	for _, k := range keys {
		if s := o.str(k); s != "" {
			return s
		}
	}
	return ""
}

// firstAny returns the first of keys present and not null.
func (o *jobj) firstAny(keys ...ckey) *jfield {
	for _, k := range keys {
		if f := o.get(k); f != nil && f.kind != 'n' {
			return f
		}
	}
	return nil
}

// text is anyText of the value of f (nil: absent).
func (o *jobj) text(f *jfield) (string, bool) {
	if f == nil || f.kind == 'n' {
		return "", true
	}
	sc := o.value(f)
	switch f.kind {
	case '"':
		return f.strv, true
	case '[':
		// Possibly text blocks: decoded for anyText.
	default:
		b, ok := sc.appendCanon(nil, 0)
		return string(b), ok
	}
	start := sc.i
	if !sc.valid(0) {
		return "", false
	}
	x, ok := fastAny(sc.s[start:sc.i])
	if !ok {
		return "", false
	}
	return anyText(x), true
}

// sub indexes the object value of f.
func (o *jobj) sub(f *jfield, dst *jobj) bool {
	sc := o.value(f)
	return sc.index(dst)
}

// obj indexes the value of k when it is an object (found); ok is false
// when the scanner cannot index it.
func (o *jobj) obj(k ckey, dst *jobj) (found, ok bool) {
	f := o.get(k)
	if f == nil || f.kind != '{' {
		return false, true
	}
	return true, o.sub(f, dst)
}

// scanChat reads a document as decodeMessages reads its decoded value; ok
// is false when the scanner does not read it (nothing charged then).
// checked: validJSON accepted s.
func (r *reader) scanChat(s, defaultRole string, checked bool) ([]Message, bool) {
	if scanOff {
		return nil, false
	}
	saved := r.b
	sc := jscan{s: s, checked: checked}
	sc.ws()
	var out []Message
	if !r.chatValue(&sc, &out, defaultRole, 0) || !sc.end() {
		r.b = saved
		return nil, false
	}
	return out, true
}

// chatValue is appendMessages on the value at sc.i.
func (r *reader) chatValue(sc *jscan, out *[]Message, defaultRole string, depth int) bool {
	if depth > maxDepth || sc.i >= len(sc.s) {
		return sc.valid(0)
	}
	switch sc.s[sc.i] {
	case '"':
		t, ok := sc.str()
		if ok && t != "" {
			*out = append(*out, Message{Role: defaultRole, Parts: []Part{{Type: PartText, Content: r.b.takeValid(t)}}})
		}
		return ok
	case '[':
		return r.chatList(sc, out, defaultRole, depth)
	case '{':
		var o jobj
		return sc.index(&o) && r.chatObject(&o, out, defaultRole, depth)
	}
	return sc.valid(0) // a number, boolean or null holds no message
}

// chatList is appendMessages on the array at sc.i.
func (r *reader) chatList(sc *jscan, out *[]Message, defaultRole string, depth int) bool {
	more, ok := sc.items()
	for more {
		if !r.chatValue(sc, out, defaultRole, depth+1) {
			return false
		}
		more, ok = sc.next()
	}
	return ok
}

// Arrays are walked with items and next, not a callback: a func value
// would move the scanner to the heap.
//
//	more, ok := sc.items()
//	for more {
//		(read the element at sc.i)
//		more, ok = sc.next()
//	}

// items enters the array at sc.i; more reports an element at sc.i.
func (sc *jscan) items() (more, ok bool) {
	if !sc.eat('[') {
		return false, false
	}
	sc.ws()
	if sc.eat(']') {
		return false, true
	}
	return sc.i < len(sc.s), sc.i < len(sc.s)
}

// next passes what follows an element; more reports another at sc.i.
func (sc *jscan) next() (more, ok bool) {
	sc.ws()
	if sc.eat(',') {
		sc.ws()
		return sc.i < len(sc.s), sc.i < len(sc.s)
	}
	return false, sc.eat(']')
}

// chatObject is appendMessages on an object.
func (r *reader) chatObject(o *jobj, out *[]Message, defaultRole string, depth int) bool {
	if f := o.get(kMessages); f != nil {
		sc := o.value(f)
		return r.chatValue(&sc, out, defaultRole, depth+1)
	}
	if f := o.get(kChoices); f != nil && f.kind == '[' {
		sc := o.value(f)
		return r.chatList(&sc, out, defaultRole, depth)
	}
	if f := o.get(kCandidates); f != nil && f.kind == '[' {
		return false // Gemini
	}
	if f := o.get(kMessage); f != nil && f.kind == '{' {
		var inner jobj
		if !o.sub(f, &inner) {
			return false
		}
		m, ok := r.chatMessage(&inner, defaultRole)
		if fr := o.str(kFinishReason); fr != "" {
			m.FinishReason = NormalizeFinishReason(fr)
		}
		*out = append(*out, m)
		return ok
	}
	if f := o.get(kKwargs); f != nil && f.kind == '{' {
		return false // LangChain
	}
	if o.get(kRole) != nil || o.get(kContent) != nil {
		m, ok := r.chatMessage(o, defaultRole)
		*out = append(*out, m)
		return ok
	}
	return o.get(kParts) == nil // semconv parts: the generic decoder
}

// chatMessage is decodeMessage.
func (r *reader) chatMessage(o *jobj, defaultRole string) (Message, bool) {
	var msg Message
	if f := o.get(kParts); f != nil && f.kind == '[' {
		return msg, false
	}
	raw := o.str(kRole)
	role := raw
	if role == "" {
		role = defaultRole
	}
	msg.Role, msg.OriginalRole = normalizeRole(role)
	msg.Name = o.str(kName)
	if fr := o.str(kFinishReason); fr != "" {
		msg.FinishReason = NormalizeFinishReason(fr)
	}
	toolCallID := o.str(kToolCallID)
	if raw == "" && toolCallID != "" {
		msg.Role = "tool"
	}
	ok := true
	if f := o.get(kContent); f != nil {
		switch f.kind {
		case '"':
			if toolCallID != "" || msg.Role == "tool" {
				msg.Parts = append(msg.Parts, Part{Type: PartToolCallResponse, ID: toolCallID, Content: r.b.takeValid(f.strv)})
			} else if f.strv != "" {
				msg.Parts = append(msg.Parts, Part{Type: PartText, Content: r.b.takeValid(f.strv)})
			}
		case '[':
			sc := o.value(f)
			msg.Parts, ok = r.chatParts(&sc, msg.Parts, false)
		case '{':
			sc := o.value(f)
			msg.Parts, ok = r.chatPart(&sc, msg.Parts, false)
		}
	}
	if f := o.get(kToolCalls); ok && f != nil && f.kind == '[' {
		sc := o.value(f)
		msg.Parts, ok = r.chatParts(&sc, msg.Parts, true)
	}
	if refusal := o.str(kRefusal); ok && refusal != "" {
		msg.Parts = append(msg.Parts, Part{Type: PartText, Content: r.b.takeValid(refusal)})
	}
	return msg, ok
}

// chatParts is decodeParts on the array at sc.i, appending to dst;
// toolCalls: OpenAI tool_calls (toolCallParts).
func (r *reader) chatParts(sc *jscan, dst []Part, toolCalls bool) ([]Part, bool) {
	more, ok := sc.items()
	for more {
		good := true
		switch sc.s[sc.i] {
		case '"':
			var t string
			if t, good = sc.str(); good {
				dst = append(dst, Part{Type: PartText, Content: r.b.takeValid(t)})
			}
		case '{':
			dst, good = r.chatPart(sc, dst, toolCalls)
		default:
			good = sc.valid(0)
		}
		if !good {
			return dst, false
		}
		more, ok = sc.next()
	}
	return dst, ok
}

// chatPart is decodePart on the object at sc.i, appending to dst.
func (r *reader) chatPart(sc *jscan, dst []Part, toolCall bool) ([]Part, bool) {
	var o jobj
	if !sc.index(&o) {
		return dst, false
	}
	typ := o.str(kType)
	if t := o.get(kType); toolCall && (t == nil || t.kind == '"' && t.strv == "function") {
		typ = PartToolCall
	}
	var p Part
	switch typ {
	case "text", "input_text", "output_text", "":
		text := o.firstStr(kContent, kText)
		if text == "" && typ == "" {
			return dst, true
		}
		p = Part{Type: PartText, Content: r.b.takeValid(text)}
	case "reasoning", "thinking":
		p = Part{Type: PartReasoning, Content: r.b.takeValid(o.firstStr(kContent, kText, kThinking))}
	case "refusal":
		p = Part{Type: PartText, Content: r.b.takeValid(o.firstStr(kContent, kRefusal, kText))}
	case "tool_call", "tool-call", "tool_use", "function_call":
		p = Part{Type: PartToolCall, ID: o.firstStr(kID, kToolCallIDCamel, kCallID), Name: o.firstStr(kName, kToolName)}
		argsObj, args := &o, o.firstAny(kArguments, kInput, kArgs)
		var fn jobj
		if f := o.get(kFunction); f != nil && f.kind == '{' {
			if !o.sub(f, &fn) {
				return dst, false
			}
			if p.Name == "" {
				p.Name = fn.str(kName)
			}
			if args == nil {
				argsObj, args = &fn, fn.get(kArguments)
			}
		}
		text, ok := argsObj.text(args)
		if !ok {
			return dst, false
		}
		p.Arguments = r.b.takeValid(text)
	case "tool_call_response", "tool-result", "tool_result", "function_call_output":
		p = Part{Type: PartToolCallResponse, ID: o.firstStr(kID, kToolCallIDCamel, kToolUseID, kCallID), Name: o.firstStr(kName, kToolName)}
		text, ok := o.text(o.firstAny(kResponse, kResult, kOutput, kContent))
		if !ok {
			return dst, false
		}
		p.Content = r.b.takeValid(text)
	case "blob", "image", "audio", "input_audio", "document":
		mod := o.str(kModality)
		if mod == "" {
			mod = typ
		}
		p = Part{Type: PartBlob, Modality: mod, MimeType: o.firstStr(kMimeType, kMimeTypeCamel, kMediaType)}
	case "file", "input_file":
		p = Part{Type: PartFile, Modality: o.str(kModality), MimeType: o.firstStr(kMimeType, kMimeTypeCamel), Content: o.firstStr(kFileID, kFileIDCamel)}
	case "uri", "image_url", "input_image":
		u := o.firstStr(kURI, kURL, kImageURL)
		if f := o.get(kImageURL); f != nil && f.kind == '{' {
			var iu jobj
			if !o.sub(f, &iu) {
				return dst, false
			}
			u = iu.str(kURL)
		}
		mod := o.str(kModality)
		if mod == "" {
			mod = "image"
		}
		p = r.mediaPart(mod, u)
		if mt := o.firstStr(kMimeType, kMimeTypeCamel); mt != "" {
			p.MimeType = mt
		}
	default:
		p = Part{Type: typ, Content: r.b.takeValid(o.firstStr(kContent, kText))}
	}
	return append(dst, p), true
}

// scanVercelPrompt reads ai.prompt {system, prompt, messages} as
// vercelPromptMessages does; false: the caller reads it generically.
func (r *reader) scanVercelPrompt() bool {
	d, ok := r.vercelPrompt.(lazyDoc)
	if !ok || scanOff {
		return false
	}
	sc := jscan{s: d.s, checked: true}
	sc.ws()
	var o jobj
	if !sc.index(&o) || !sc.end() {
		return false
	}
	saved, sys, in := r.b, r.v.SystemInstructions, r.v.InputMessages
	if s := o.str(kSystem); s != "" && len(r.v.SystemInstructions) == 0 {
		r.v.SystemInstructions = []Part{{Type: PartText, Content: r.b.takeValid(s)}}
	}
	if f := o.get(kMessages); ok && f != nil && f.kind != 'n' {
		var msgs []Message
		sc := o.value(f)
		ok = r.chatValue(&sc, &msgs, "user", 0)
		r.v.InputMessages = msgs
	}
	if f := o.get(kPrompt); ok && f != nil && f.kind != 'n' {
		var msgs []Message
		sc := o.value(f)
		ok = r.chatValue(&sc, &msgs, "user", 0)
		r.v.InputMessages = append(r.v.InputMessages, msgs...)
	}
	if !ok {
		r.b, r.v.SystemInstructions, r.v.InputMessages = saved, sys, in
	}
	return ok
}

// scanMessageEvent reads a per-message event's JSON object body s (trimmed)
// as decodeJSON and messageEvent read it, and reports whether it did;
// when it does not (not an object, too large, invalid, a shape the
// scanner leaves to the generic decoder), nothing is charged or recorded.
// Instrumentations of semconv v1.28-v1.36 send one such event per message:
// decoding each into maps cost more than the rest of the span's read.
func (r *reader) scanMessageEvent(name, s string) bool {
	if scanOff || s == "" || s[0] != '{' || len(s) > r.b.remaining*maxParseFactor+4096 || !validJSON(s) {
		return false
	}
	sc := jscan{s: s, checked: true}
	var o jobj
	if !sc.index(&o) || !sc.end() {
		return false
	}
	saved := r.b
	var msg Message
	ok := true
	if name == eventChoice {
		// {message: {...}, finish_reason, tool_calls}: the message, with
		// the outer tool calls when it has none of its own.
		inner := jobj{sc: jscan{s: s, checked: true}}
		if f := o.get(kMessage); f != nil && f.kind == '{' && !o.sub(f, &inner) {
			return false
		}
		if f := o.get(kToolCalls); f != nil && f.kind != 'n' && inner.get(kToolCalls) == nil {
			if inner.n == maxFields {
				return false
			}
			inner.f[inner.n] = *f // positions in s, which inner reads too
			inner.n++
		}
		if msg, ok = r.chatMessage(&inner, "assistant"); ok {
			if fr := NormalizeFinishReason(o.str(kFinishReason)); fr != "" {
				msg.FinishReason = fr
				r.eventFinish = append(r.eventFinish, fr)
			}
			r.eventOut = append(r.eventOut, msg)
		}
	} else {
		role := eventRole(name)
		if role == "tool" && o.get(kToolCallID) == nil {
			// A tool message names its call in "id" as well.
			if id := o.str(kID); id != "" {
				if o.n == maxFields {
					return false
				}
				o.f[o.n] = jfield{k: kToolCallID, kind: '"', strv: id}
				o.n++
			}
		}
		if msg, ok = r.chatMessage(&o, role); ok {
			r.eventIn = append(r.eventIn, msg)
		}
	}
	if !ok {
		r.b = saved
	}
	return ok
}

// scanToolCalls reads ai.response.toolCalls as vercelOutput does, appending
// the calls to dst; false: the caller reads it generically.
func (r *reader) scanToolCalls(s string, dst []Part) ([]Part, bool) {
	if scanOff || len(s) > r.b.remaining*maxParseFactor+4096 {
		return dst, false
	}
	saved, n := r.b, len(dst)
	sc := jscan{s: s}
	sc.ws()
	more, ok := sc.items()
	for ok && more {
		if sc.s[sc.i] == '{' {
			var p Part
			p, ok = r.toolCall(&sc)
			dst = append(dst, p)
		} else {
			ok = sc.valid(0)
		}
		if ok {
			more, ok = sc.next()
		}
	}
	if !ok || !sc.end() {
		r.b = saved
		return dst[:n], false
	}
	return dst, true
}

// toolCall reads one call of ai.response.toolCalls.
func (r *reader) toolCall(sc *jscan) (Part, bool) {
	var o jobj
	if !sc.index(&o) {
		return Part{}, false
	}
	p := Part{Type: PartToolCall, ID: o.firstStr(kToolCallIDCamel, kID), Name: o.firstStr(kToolName, kName)}
	text, ok := o.text(o.firstAny(kInput, kArgs))
	p.Arguments = r.b.takeValid(text)
	return p, ok
}

// scanProviderMetadata reads ai.response.providerMetadata as
// providerMetadata does; false: the caller reads it generically.
func (r *reader) scanProviderMetadata(v pcommon.Value) bool {
	if scanOff || v.Type() != pcommon.ValueTypeStr {
		return false
	}
	s := strings.TrimSpace(v.Str())
	if len(s) > maxMetaJSON || !strings.HasPrefix(s, "{") || !validJSON(s) {
		return false
	}
	sc := jscan{s: s, checked: true}
	var m, openai, anthropic, anthropicUsage, bedrock, bedrockUsage jobj
	if !sc.index(&m) {
		return false
	}
	hasOpenAI, ok1 := m.obj(kOpenAI, &openai)
	hasAnthropic, ok2 := m.obj(kAnthropic, &anthropic)
	hasAnthropicUsage, ok3 := anthropic.obj(kUsage, &anthropicUsage)
	_, ok4 := m.obj(kBedrock, &bedrock)
	hasBedrockUsage, ok5 := bedrock.obj(kUsage, &bedrockUsage)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return false
	}
	r.marks |= mVercel
	if hasOpenAI {
		r.setIntOf(iCacheRead, 7, &openai, kCachedPromptTokens)
		r.setIntOf(iReasoning, 7, &openai, kReasoningTokens)
	}
	if hasAnthropic {
		r.setIntOf(iCacheWrite, 7, &anthropic, kCacheCreationInputTokens)
		if hasAnthropicUsage {
			r.setIntOf(iCacheRead, 8, &anthropicUsage, kCacheReadInputTokensSnake)
			r.setIntOf(iCacheWrite, 8, &anthropicUsage, kCacheCreationInputTokensSnake)
		}
	}
	if hasBedrockUsage {
		r.setIntOf(iCacheRead, 9, &bedrockUsage, kCacheReadInputTokens)
		r.setIntOf(iCacheWrite, 9, &bedrockUsage, kCacheWriteInputTokens)
	}
	return true
}

// setIntOf is setIntFrom on an index.
func (r *reader) setIntOf(f intField, slot int, o *jobj, k ckey) {
	if n, ok := num(o.scalar(k)); ok {
		r.setIntN(f, slot, n)
	}
}

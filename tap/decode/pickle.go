package decode

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
)

// A pickle is a program for Python's unpickler, and running it can run
// any code. This file only lists its opcodes, like pickletools.dis: it
// never builds objects, imports names or calls anything. Every length is
// checked against what is left of the body before it is used, so a forged
// length cannot make the lister allocate or read beyond the body.

// pickleArg is how an opcode's inline argument is encoded.
type pickleArg uint8

const (
	argNone  pickleArg = iota
	argU1              // 1-byte unsigned
	argU2              // 2-byte little-endian unsigned
	argI4              // 4-byte little-endian signed
	argU4              // 4-byte little-endian unsigned
	argU8              // 8-byte little-endian unsigned
	argF8              // 8-byte big-endian float
	argLine            // text up to a newline
	argLine2           // two newline-terminated lines (module, name)
	argStr1            // 1-byte length, then bytes
	argStr4            // 4-byte length, then bytes
	argStr8            // 8-byte length, then bytes
	argLong1           // 1-byte length, little-endian two's complement
	argLong4           // 4-byte length, little-endian two's complement
)

type pickleOp struct {
	name string
	arg  pickleArg
	// mark is +1 for MARK, -1 for opcodes that pop to the mark.
	mark int
	// text marks string arguments (shown as text rather than bytes).
	text bool
}

var pickleOps = [256]pickleOp{
	'(':  {name: "MARK", mark: 1},
	'.':  {name: "STOP"},
	'0':  {name: "POP"},
	'1':  {name: "POP_MARK", mark: -1},
	'2':  {name: "DUP"},
	'F':  {name: "FLOAT", arg: argLine},
	'I':  {name: "INT", arg: argLine},
	'J':  {name: "BININT", arg: argI4},
	'K':  {name: "BININT1", arg: argU1},
	'L':  {name: "LONG", arg: argLine},
	'M':  {name: "BININT2", arg: argU2},
	'N':  {name: "NONE"},
	'P':  {name: "PERSID", arg: argLine},
	'Q':  {name: "BINPERSID"},
	'R':  {name: "REDUCE"},
	'S':  {name: "STRING", arg: argLine},
	'T':  {name: "BINSTRING", arg: argStr4, text: true},
	'U':  {name: "SHORT_BINSTRING", arg: argStr1, text: true},
	'V':  {name: "UNICODE", arg: argLine},
	'X':  {name: "BINUNICODE", arg: argStr4, text: true},
	'a':  {name: "APPEND"},
	'b':  {name: "BUILD"},
	'c':  {name: "GLOBAL", arg: argLine2},
	'd':  {name: "DICT", mark: -1},
	'}':  {name: "EMPTY_DICT"},
	'e':  {name: "APPENDS", mark: -1},
	'g':  {name: "GET", arg: argLine},
	'h':  {name: "BINGET", arg: argU1},
	'i':  {name: "INST", arg: argLine2, mark: -1},
	'j':  {name: "LONG_BINGET", arg: argU4},
	'l':  {name: "LIST", mark: -1},
	']':  {name: "EMPTY_LIST"},
	'o':  {name: "OBJ", mark: -1},
	'p':  {name: "PUT", arg: argLine},
	'q':  {name: "BINPUT", arg: argU1},
	'r':  {name: "LONG_BINPUT", arg: argU4},
	's':  {name: "SETITEM"},
	't':  {name: "TUPLE", mark: -1},
	')':  {name: "EMPTY_TUPLE"},
	'u':  {name: "SETITEMS", mark: -1},
	'G':  {name: "BINFLOAT", arg: argF8},
	0x80: {name: "PROTO", arg: argU1},
	0x81: {name: "NEWOBJ"},
	0x82: {name: "EXT1", arg: argU1},
	0x83: {name: "EXT2", arg: argU2},
	0x84: {name: "EXT4", arg: argI4},
	0x85: {name: "TUPLE1"},
	0x86: {name: "TUPLE2"},
	0x87: {name: "TUPLE3"},
	0x88: {name: "NEWTRUE"},
	0x89: {name: "NEWFALSE"},
	0x8a: {name: "LONG1", arg: argLong1},
	0x8b: {name: "LONG4", arg: argLong4},
	'B':  {name: "BINBYTES", arg: argStr4},
	'C':  {name: "SHORT_BINBYTES", arg: argStr1},
	0x8c: {name: "SHORT_BINUNICODE", arg: argStr1, text: true},
	0x8d: {name: "BINUNICODE8", arg: argStr8, text: true},
	0x8e: {name: "BINBYTES8", arg: argStr8},
	0x8f: {name: "EMPTY_SET"},
	0x90: {name: "ADDITEMS", mark: -1},
	0x91: {name: "FROZENSET", mark: -1},
	0x92: {name: "NEWOBJ_EX"},
	0x93: {name: "STACK_GLOBAL"},
	0x94: {name: "MEMOIZE"},
	0x95: {name: "FRAME", arg: argU8},
	0x96: {name: "BYTEARRAY8", arg: argStr8},
	0x97: {name: "NEXT_BUFFER"},
	0x98: {name: "READONLY_BUFFER"},
}

const (
	maxPickleLines = 2000 // lines in a disassembly
	maxPickleArg   = 80   // bytes of an argument shown
	maxPickleLine  = 4096 // bytes scanned for a newline-terminated argument
)

// pickleListing is the outcome of listing a pickle.
type pickleListing struct {
	text     string
	consumed int      // body bytes listed
	protocol int      // from PROTO, 0 if absent
	globals  []string // module.name of GLOBAL/INST/STACK_GLOBAL, for review
	problem  string   // why listing stopped early, if it did
}

// listPickle disassembles a pickle without executing it.
func listPickle(b []byte) pickleListing {
	var l pickleListing
	var out strings.Builder
	out.Grow(min(len(b)*4, maxRenderOut))
	depth := 0
	lines := 0
	// STACK_GLOBAL takes module and name from the stack, often fetched
	// from the memo: track the last two strings pushed, and which memo
	// slots hold strings, to name the global without running anything.
	var lastStr [2]string
	top, topIsStr := "", false
	memo := map[uint64]string{}
	nextMemo := uint64(0)
	pushStr := func(s string) {
		lastStr[0], lastStr[1] = lastStr[1], s
		top, topIsStr = s, true
	}
	remember := func(idx uint64) {
		if topIsStr && len(memo) < 4096 {
			memo[idx] = top
		}
	}
	recall := func(arg string) {
		idx, err := strconv.ParseUint(arg, 10, 64)
		if s, ok := memo[idx]; ok && err == nil {
			pushStr(s)
			return
		}
		topIsStr = false
	}
	pos := 0
	stopped := false
	for pos < len(b) && !stopped {
		if lines >= maxPickleLines || out.Len() >= maxRenderOut-256 {
			l.problem = "listing capped at " + strconv.Itoa(lines) + " lines"
			break
		}
		start := pos
		code := b[pos]
		op := pickleOps[code]
		if op.name == "" {
			l.problem = "unknown opcode 0x" + hexPreview([]byte{code}, 1) + " at offset " + strconv.Itoa(pos)
			break
		}
		pos++
		arg, next, ok := pickleArgument(b, pos, op)
		if !ok {
			l.problem = op.name + " at offset " + strconv.Itoa(start) + ": " + arg
			break
		}
		pos = next
		if op.mark < 0 && depth > 0 {
			depth--
		}
		writePickleLine(&out, start, code, op.name, arg, depth)
		lines++
		if op.mark > 0 {
			depth++
		}
		switch op.name {
		case "PROTO":
			l.protocol = int(b[start+1])
		case "SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE":
			pushStr(pickleText(b, start, next, op))
		case "GLOBAL", "INST":
			l.addGlobal(strings.Replace(arg, " ", ".", 1))
			topIsStr = false
		case "STACK_GLOBAL":
			l.addGlobal(lastStr[0] + "." + lastStr[1])
			topIsStr = false
		case "MEMOIZE":
			remember(nextMemo)
			nextMemo++
		case "PUT", "BINPUT", "LONG_BINPUT":
			if idx, err := strconv.ParseUint(strings.Trim(arg, "'"), 10, 64); err == nil {
				remember(idx)
			}
		case "GET", "BINGET", "LONG_BINGET":
			recall(strings.Trim(arg, "'"))
		case "FRAME", "MARK", "STOP":
			// These leave the top of the stack as it was.
		default:
			topIsStr = false
		}
		stopped = op.name == "STOP"
	}
	l.consumed = pos
	if l.problem == "" && pos < len(b) {
		l.problem = strconv.Itoa(len(b)-pos) + " bytes after STOP"
	}
	if l.problem == "" && !stopped {
		l.problem = "no STOP opcode: truncated pickle"
	}
	l.text = out.String()
	return l
}

func (l *pickleListing) addGlobal(g string) {
	if len(l.globals) >= 32 {
		return
	}
	g = truncate(g, maxPickleArg)
	for _, x := range l.globals {
		if x == g {
			return
		}
	}
	l.globals = append(l.globals, g)
}

// pickleArgument decodes the inline argument of op starting at pos. It
// returns the argument for display and the position after it; on failure
// it returns a description of the problem and ok false.
func pickleArgument(b []byte, pos int, op pickleOp) (arg string, next int, ok bool) {
	left := len(b) - pos
	need := func(n int) bool { return n <= left }
	switch op.arg {
	case argNone:
		return "", pos, true
	case argU1:
		if !need(1) {
			return "truncated argument", pos, false
		}
		return strconv.Itoa(int(b[pos])), pos + 1, true
	case argU2:
		if !need(2) {
			return "truncated argument", pos, false
		}
		return strconv.Itoa(int(binary.LittleEndian.Uint16(b[pos:]))), pos + 2, true
	case argI4:
		if !need(4) {
			return "truncated argument", pos, false
		}
		return strconv.Itoa(int(int32(binary.LittleEndian.Uint32(b[pos:])))), pos + 4, true
	case argU4:
		if !need(4) {
			return "truncated argument", pos, false
		}
		return strconv.FormatUint(uint64(binary.LittleEndian.Uint32(b[pos:])), 10), pos + 4, true
	case argU8:
		if !need(8) {
			return "truncated argument", pos, false
		}
		return strconv.FormatUint(binary.LittleEndian.Uint64(b[pos:]), 10), pos + 8, true
	case argF8:
		if !need(8) {
			return "truncated argument", pos, false
		}
		f := math.Float64frombits(binary.BigEndian.Uint64(b[pos:]))
		return strconv.FormatFloat(f, 'g', -1, 64), pos + 8, true
	case argLine:
		end, found := lineEnd(b, pos)
		if !found {
			return "no newline within " + strconv.Itoa(maxPickleLine) + " bytes", pos, false
		}
		return pyRepr(string(b[pos:end]), maxPickleArg), end + 1, true
	case argLine2:
		end1, found := lineEnd(b, pos)
		if !found {
			return "no newline after module name", pos, false
		}
		end2, found := lineEnd(b, end1+1)
		if !found {
			return "no newline after global name", pos, false
		}
		return truncate(string(b[pos:end1]), maxPickleArg) + " " + truncate(string(b[end1+1:end2]), maxPickleArg), end2 + 1, true
	case argStr1, argStr4, argStr8, argLong1, argLong4:
		width := 4
		switch op.arg {
		case argStr1, argLong1:
			width = 1
		case argStr8:
			width = 8
		}
		if !need(width) {
			return "truncated length", pos, false
		}
		var n uint64
		switch width {
		case 1:
			n = uint64(b[pos])
		case 4:
			n = uint64(binary.LittleEndian.Uint32(b[pos:]))
			if op.arg == argLong4 && int32(n) < 0 {
				return "negative length", pos, false
			}
		case 8:
			n = binary.LittleEndian.Uint64(b[pos:])
		}
		pos += width
		// Compare in uint64 so a forged 8-byte length cannot overflow.
		if n > uint64(len(b)-pos) {
			return "declared length " + strconv.FormatUint(n, 10) + " exceeds the " + strconv.Itoa(len(b)-pos) + " bytes left", pos, false
		}
		data := b[pos : pos+int(n)]
		next = pos + int(n)
		switch {
		case op.arg == argLong1 || op.arg == argLong4:
			return longLE(data), next, true
		case op.text:
			return pyRepr(string(data), maxPickleArg), next, true
		default:
			return "b" + pyRepr(string(data), maxPickleArg), next, true
		}
	}
	return "unknown argument type", pos, false
}

// pickleText returns the text argument of a unicode opcode, bounded.
func pickleText(b []byte, start, next int, op pickleOp) string {
	s := b[start+1 : next]
	switch op.arg {
	case argStr1:
		s = s[1:]
	case argStr4:
		s = s[4:]
	case argStr8:
		s = s[8:]
	case argLine:
		s = s[:len(s)-1]
	}
	return truncate(string(s), maxPickleArg)
}

func lineEnd(b []byte, pos int) (int, bool) {
	limit := min(len(b), pos+maxPickleLine)
	for i := pos; i < limit; i++ {
		if b[i] == '\n' {
			return i, true
		}
	}
	return 0, false
}

// longLE renders a little-endian two's complement integer; big ones are
// shown in hex to keep the work bounded.
func longLE(data []byte) string {
	if len(data) == 0 {
		return "0"
	}
	if len(data) <= 8 {
		var v uint64
		for i := len(data) - 1; i >= 0; i-- {
			v = v<<8 | uint64(data[i])
		}
		if data[len(data)-1]&0x80 != 0 && len(data) < 8 {
			v |= ^uint64(0) << (8 * len(data))
		}
		return strconv.FormatInt(int64(v), 10)
	}
	return "<" + strconv.Itoa(len(data)) + "-byte integer " + hexPreview(data, 8) + ">"
}

func writePickleLine(out *strings.Builder, off int, code byte, name, arg string, depth int) {
	o := strconv.Itoa(off)
	for k := len(o); k < 6; k++ {
		out.WriteByte(' ')
	}
	out.WriteString(o)
	out.WriteString(": ")
	if code >= 0x20 && code < 0x7f {
		out.WriteByte(code)
		out.WriteString("    ")
	} else {
		out.WriteString(`\x`)
		out.WriteByte(hexDigits[code>>4])
		out.WriteByte(hexDigits[code&0xf])
		out.WriteByte(' ')
	}
	for k := 0; k < min(depth, 16); k++ {
		out.WriteString("  ")
	}
	out.WriteString(name)
	if arg != "" {
		for k := len(name); k < 18; k++ {
			out.WriteByte(' ')
		}
		out.WriteByte(' ')
		out.WriteString(oneLine(arg, maxPickleArg+8))
	}
	out.WriteByte('\n')
}

// pickleBody renders the disassembly as the body text.
func pickleBody(b []byte) Body {
	l := listPickle(b)
	text := l.text
	if len(l.globals) > 0 {
		text = "globals referenced (not imported): " + strings.Join(l.globals, ", ") + "\n\n" + text
	}
	if l.problem != "" {
		text += "(stopped: " + l.problem + ")\n"
	}
	return Body{Kind: BodyText, Text: text, Omitted: len(b) - l.consumed}
}

// recognisePickle claims pickle bodies that are not Celery tasks.
func recognisePickle(m *msg) (Result, bool) {
	if m.serializer != serPickle || len(m.body) == 0 {
		return Result{}, false
	}
	l := listPickle(m.body)
	var r Result
	r.Format = "pickle"
	r.Summary = "pickle"
	if l.protocol > 0 {
		r.Summary += " protocol " + strconv.Itoa(l.protocol)
	}
	r.Summary += ", " + sizeString(len(m.body))
	if len(l.globals) > 0 {
		r.Summary = oneLine(r.Summary+": "+strings.Join(l.globals, ", "), maxSummary)
		r.addField("Globals", strings.Join(l.globals, ", "))
	}
	r.addNote("pickle body not executed: showing a disassembly")
	r.Body = pickleBody(m.body)
	return r, true
}

package cmdline

import (
	"context"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/shoveltap/shoveltap/tap/decode"
	"github.com/shoveltap/shoveltap/tap/decode/formats"
)

func parseDecoding(t *testing.T, args ...string) *Decoding {
	t.Helper()
	var d Decoding
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	d.Register(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return &d
}

func TestDecodingFlagsToConfig(t *testing.T) {
	d := parseDecoding(t,
		"--proto", "a.proto", "--proto", "protos", "--proto-import-path", "inc",
		"--proto-descriptor-set", "shop.binpb", "--proto-type", "orders.*=shop.v1.Order",
		"--proto-type", "exchange:billing,header:kind=invoice=shop.v1.Invoice", "--proto-trial",
		"--avro-schema", "schemas", "--avro-type", "exchange:payments=shop.v1.Payment",
		"--hook", "content-type=application/x-legacy,timeout=500ms:python3 decode.py -v")
	file := formats.Config{
		Proto: formats.ProtoConfig{Files: []string{"/etc/file.proto"}, Types: []formats.Rule{{RoutingKey: "#", Type: "file.Any"}}},
		Hooks: []formats.HookConfig{{Name: "fromfile", Command: []string{"x"}, ContentTypes: []string{"a/b"}}},
	}
	got, err := d.Config(file)
	if err != nil {
		t.Fatal(err)
	}
	want := formats.Config{
		Proto: formats.ProtoConfig{
			Files:          []string{"/etc/file.proto", "a.proto", "protos"},
			ImportPaths:    []string{"inc"},
			DescriptorSets: []string{"shop.binpb"},
			// The flags' mappings first: they win over the file's.
			Types: []formats.Rule{
				{RoutingKey: "orders.*", Type: "shop.v1.Order"},
				{Exchange: "billing", Header: "kind=invoice", Type: "shop.v1.Invoice"},
				{RoutingKey: "#", Type: "file.Any"},
			},
			Trial: true,
		},
		Avro: formats.AvroConfig{Schemas: []string{"schemas"}, Types: []formats.Rule{{Exchange: "payments", Type: "shop.v1.Payment"}}},
		Hooks: []formats.HookConfig{
			{Command: []string{"python3", "decode.py", "-v"}, ContentTypes: []string{"application/x-legacy"}, Timeout: 500 * time.Millisecond},
			{Name: "fromfile", Command: []string{"x"}, ContentTypes: []string{"a/b"}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("config\n got %+v\nwant %+v", got, want)
	}
	if empty, err := parseDecoding(t).Config(formats.Config{}); err != nil || !empty.Empty() {
		t.Errorf("no flags: %+v, %v", empty, err)
	}
}

func TestDecodingFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		file formats.Config
		want string
	}{
		{[]string{"--proto", "p", "--proto-type", "orders"}, formats.Config{}, `--proto-type "orders": give CONDITION=TYPE`},
		{[]string{"--proto", "p", "--proto-type", "orders="}, formats.Config{}, `--proto-type "orders=": no type after '='`},
		{[]string{"--avro-schema", "s", "--avro-type", "=x.Y"}, formats.Config{}, `--avro-type "=x.Y": no condition before '='`},
		{[]string{"--proto-type", "orders.*=a.B"}, formats.Config{}, "add --proto FILE|DIR or --proto-descriptor-set FILE"},
		{[]string{"--avro-type", "orders.*=a.B"}, formats.Config{}, "add --avro-schema FILE|DIR"},
		{[]string{"--hook", "python3 decode.py"}, formats.Config{}, `--hook "python3 decode.py": give OPTIONS:COMMAND`},
		{[]string{"--hook", "colour=red:./d.sh"}, formats.Config{}, `unknown option "colour"`},
		{[]string{"--hook", "content-type=a/b,timeout=soon:./d.sh"}, formats.Config{}, `timeout "soon": give a duration`},
		{[]string{"--hook", "name=x,content-type=a/b:./d.sh"}, formats.Config{Hooks: []formats.HookConfig{{Name: "x", Command: []string{"y"}, ContentTypes: []string{"c/d"}}}}, "decoders: hook x is defined twice"},
	} {
		_, err := parseDecoding(t, tc.args...).Config(tc.file)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v, want one line saying %q", tc.args, err, tc.want)
		}
	}
	// A mapping from the file with the schema from a flag is fine.
	file := formats.Config{Proto: formats.ProtoConfig{Types: []formats.Rule{{RoutingKey: "#", Type: "a.B"}}}}
	if _, err := parseDecoding(t, "--proto", "p.proto").Config(file); err != nil {
		t.Errorf("file mapping, flag schema: %v", err)
	}
}

// Load compiles the schemas and starts the hooks; its errors are one line
// and Close stops the hooks.
func TestDecodingLoad(t *testing.T) {
	protos := filepath.Join("..", "decode", "protodec", "testdata", "protos")
	d := parseDecoding(t, "--proto", protos, "--proto-type", "orders.*=shop.v1.Order")
	decs, err := d.Load(context.Background(), formats.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer decs.Close()
	if decs.Decoder == nil || len(decs.Loaded) != 1 || !strings.HasPrefix(decs.Loaded[0], "protobuf:") {
		t.Errorf("loaded %q", decs.Loaded)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--proto", protos, "--proto-type", "orders.*=shop.v1.Nope"}, `type "shop.v1.Nope" is not in the schemas`},
		{[]string{"--avro-schema", filepath.Join(t.TempDir(), "none.avsc")}, "decoders: avro schema"},
		{[]string{"--hook", "content-type=a/b:" + filepath.Join(t.TempDir(), "no-such-hook")}, "cannot start"},
		{[]string{"--hook", "filter=queue:x :./d.sh"}, `"queue" is not a field name`},
	} {
		decs, err := parseDecoding(t, tc.args...).Load(context.Background(), formats.Config{})
		if err == nil {
			decs.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v, want one line saying %q", tc.args, err, tc.want)
		}
	}
}

// A hook's filter is the filter language over the built-in reading,
// dotted terms included.
func TestCompileHookFilter(t *testing.T) {
	match, err := CompileHookFilter("exchange:audit ce.type:com.example.*")
	if err != nil {
		t.Fatal(err)
	}
	ce := decode.Input{Exchange: "audit", ContentType: "application/json", Headers: map[string]any{
		"cloudEvents_specversion": "1.0", "cloudEvents_id": "1", "cloudEvents_source": "/s", "cloudEvents_type": "com.example.created",
	}, Body: []byte(`{}`)}
	if !match(ce) {
		t.Error("the CloudEvent on audit does not match")
	}
	ce.Exchange = "other"
	if match(ce) {
		t.Error("a message on another exchange matches")
	}
}

// Package protodec decodes Protobuf messages with the user's schemas:
// .proto files compiled in-process (protocompile) or descriptor sets
// written by protoc -o or buf build. It plugs into package decode as a
// decode.Extension.
package protodec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Limits on what schemas may load: a directory walk or a descriptor set
// that exceeds them is refused, so a mistaken path (a home directory)
// fails fast.
const (
	maxProtoFiles     = 4096
	maxDescriptorSize = 64 << 20
)

// Registry holds the message types of the loaded schemas.
type Registry struct {
	files *protoregistry.Files
	types *dynamicpb.Types
	names []protoreflect.FullName // every message type, sorted
	// plans are every message type's (map entries and nested types
	// included) plan for the decoding stage's scan (plan.go).
	plans map[protoreflect.MessageDescriptor]*plan
	// known holds every message type's full name, map entries and nested
	// types included: the types FindMessageByURL finds.
	known map[string]bool
}

// Sources names the schemas to load.
type Sources struct {
	// Protos are .proto files or directories of them.
	Protos []string
	// ImportPaths are where imports are found; each directory in Protos
	// and each file's own directory are added.
	ImportPaths []string
	// DescriptorSets are serialised google.protobuf.FileDescriptorSet files.
	DescriptorSets []string
}

// Load compiles the .proto files and reads the descriptor sets. The
// well-known types (google/protobuf/*.proto) are always available to
// imports.
func Load(ctx context.Context, src Sources) (*Registry, error) {
	r := &Registry{files: new(protoregistry.Files)}
	if len(src.Protos) > 0 {
		if err := r.compile(ctx, src.Protos, src.ImportPaths); err != nil {
			return nil, err
		}
	}
	for _, path := range src.DescriptorSets {
		if err := r.readDescriptorSet(path); err != nil {
			return nil, err
		}
	}
	r.types = dynamicpb.NewTypes(r.files)
	r.plans = map[protoreflect.MessageDescriptor]*plan{}
	r.files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		addMessages(&r.names, fd.Messages())
		addPlans(r.plans, fd.Messages())
		return true
	})
	link(r.plans)
	r.known = make(map[string]bool, len(r.plans))
	for md := range r.plans {
		r.known[string(md.FullName())] = true
	}
	slices.Sort(r.names)
	if len(r.names) == 0 {
		return nil, errors.New("the Protobuf schemas define no message type: check the .proto files or descriptor sets named")
	}
	return r, nil
}

func addMessages(names *[]protoreflect.FullName, ms protoreflect.MessageDescriptors) {
	for i := 0; i < ms.Len(); i++ {
		md := ms.Get(i)
		if md.IsMapEntry() {
			continue
		}
		*names = append(*names, md.FullName())
		addMessages(names, md.Messages())
	}
}

// compile compiles the named files, and every .proto file under the named
// directories, in one compiler run.
func (r *Registry) compile(ctx context.Context, protos, importPaths []string) error {
	paths := slices.Clone(importPaths)
	var names []string
	for _, p := range protos {
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("protobuf schema %s: %w", p, err)
		}
		if !st.IsDir() {
			name, dir := importName(p, paths)
			if dir != "" {
				paths = append(paths, dir)
			}
			names = append(names, name)
			continue
		}
		paths = append(paths, p)
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(path, ".proto") {
				return nil
			}
			if len(names) >= maxProtoFiles {
				return fmt.Errorf("more than %d .proto files: name the schema directory itself", maxProtoFiles)
			}
			rel, err := filepath.Rel(p, path)
			if err != nil {
				return err
			}
			names = append(names, filepath.ToSlash(rel))
			return nil
		})
		if err != nil {
			return fmt.Errorf("protobuf schema directory %s: %w", p, err)
		}
	}
	names = uniq(names)
	if len(names) == 0 {
		return fmt.Errorf("no .proto file in %s", strings.Join(protos, ", "))
	}
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: uniq(paths)}),
	}
	files, err := c.Compile(ctx, names...)
	if err != nil {
		return fmt.Errorf("compiling the .proto files: %w (fix the file, or add the directory its imports are relative to with import-paths)", err)
	}
	for _, fd := range files {
		if err := r.register(fd, "compiled .proto files"); err != nil {
			return err
		}
	}
	return nil
}

// importName is the name a file is compiled under: its path relative to
// the first import path that holds it, or its base name with its own
// directory as a new import path.
func importName(file string, importPaths []string) (name, newDir string) {
	abs, _ := filepath.Abs(file)
	for _, ip := range importPaths {
		ipAbs, _ := filepath.Abs(ip)
		if rel, err := filepath.Rel(ipAbs, abs); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel), ""
		}
	}
	return filepath.Base(file), filepath.Dir(file)
}

// register adds a file and, first, its imports.
func (r *Registry) register(fd protoreflect.FileDescriptor, from string) error {
	if _, err := r.files.FindFileByPath(fd.Path()); err == nil {
		return nil
	}
	imps := fd.Imports()
	for i := 0; i < imps.Len(); i++ {
		if err := r.register(imps.Get(i).FileDescriptor, from); err != nil {
			return err
		}
	}
	if err := r.files.RegisterFile(fd); err != nil {
		return fmt.Errorf("protobuf schema %s from %s: %w (two schemas define the same name: load only one of them)", fd.Path(), from, err)
	}
	return nil
}

func (r *Registry) readDescriptorSet(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("protobuf descriptor set: %w", err)
	}
	if st.Size() > maxDescriptorSize {
		return fmt.Errorf("protobuf descriptor set %s is %d bytes, more than %d: is it a descriptor set?", path, st.Size(), maxDescriptorSize)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("protobuf descriptor set: %w", err)
	}
	var set descriptorpb.FileDescriptorSet
	if err := proto.Unmarshal(raw, &set); err != nil {
		return fmt.Errorf("protobuf descriptor set %s: not a FileDescriptorSet (%v): write one with protoc --include_imports -o FILE or buf build -o FILE", path, err)
	}
	// Files already loaded (a shared import) are taken from the registry.
	var missing []*descriptorpb.FileDescriptorProto
	for _, f := range set.File {
		if _, err := r.files.FindFileByPath(f.GetName()); err != nil {
			missing = append(missing, f)
		}
	}
	set.File = missing
	files, err := protodesc.FileOptions{AllowUnresolvable: false}.NewFiles(&set)
	if err != nil {
		if len(missing) > 0 {
			// Imports may be among the files already loaded.
			files, err = newFilesWith(&set, r.files)
		}
		if err != nil {
			return fmt.Errorf("protobuf descriptor set %s: %w (was it written with --include_imports?)", path, err)
		}
	}
	var regErr error
	files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		regErr = r.register(fd, path)
		return regErr == nil
	})
	return regErr
}

// newFilesWith builds the set's files resolving imports from both the set
// and the files loaded before.
func newFilesWith(set *descriptorpb.FileDescriptorSet, loaded *protoregistry.Files) (*protoregistry.Files, error) {
	out := new(protoregistry.Files)
	byName := map[string]*descriptorpb.FileDescriptorProto{}
	for _, f := range set.File {
		byName[f.GetName()] = f
	}
	var build func(name string, depth int) error
	build = func(name string, depth int) error {
		if depth > 256 {
			return fmt.Errorf("imports of %s nest too deep (a cycle?)", name)
		}
		if _, err := out.FindFileByPath(name); err == nil {
			return nil
		}
		fdp, ok := byName[name]
		if !ok {
			return nil // resolved from loaded below
		}
		for _, dep := range fdp.GetDependency() {
			if err := build(dep, depth+1); err != nil {
				return err
			}
		}
		fd, err := protodesc.NewFile(fdp, resolvers{out, loaded})
		if err != nil {
			return err
		}
		return out.RegisterFile(fd)
	}
	for _, f := range set.File {
		if err := build(f.GetName(), 0); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// resolvers looks a descriptor up in each registry in turn.
type resolvers []*protoregistry.Files

func (rs resolvers) FindFileByPath(p string) (protoreflect.FileDescriptor, error) {
	for _, r := range rs {
		if fd, err := r.FindFileByPath(p); err == nil {
			return fd, nil
		}
	}
	return nil, protoregistry.NotFound
}

func (rs resolvers) FindDescriptorByName(n protoreflect.FullName) (protoreflect.Descriptor, error) {
	for _, r := range rs {
		if d, err := r.FindDescriptorByName(n); err == nil {
			return d, nil
		}
	}
	return nil, protoregistry.NotFound
}

func uniq(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// Message returns the descriptor of a message type by its full name, with
// or without a leading dot or a type URL prefix (type.googleapis.com/).
func (r *Registry) Message(name string) (protoreflect.MessageDescriptor, bool) {
	name = strings.TrimPrefix(name, ".")
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		name = name[i+1:]
	}
	d, err := r.files.FindDescriptorByName(protoreflect.FullName(name))
	if err != nil {
		return nil, false
	}
	md, ok := d.(protoreflect.MessageDescriptor)
	return md, ok
}

// Names lists the message types, sorted.
func (r *Registry) Names() []protoreflect.FullName { return r.names }

// describe lists a few type names for error messages, the user's before
// the well-known types.
func (r *Registry) describe() string {
	var s []string
	names := slices.Clone(r.names)
	slices.SortStableFunc(names, func(a, b protoreflect.FullName) int {
		wa, wb := strings.HasPrefix(string(a), "google.protobuf."), strings.HasPrefix(string(b), "google.protobuf.")
		switch {
		case wa == wb:
			return 0
		case wb:
			return -1
		}
		return 1
	})
	for i, n := range names {
		if i == 6 {
			s = append(s, fmt.Sprintf("… (%d in all)", len(r.names)))
			break
		}
		s = append(s, string(n))
	}
	return strings.Join(s, ", ")
}

// suggest names the loaded types whose short name is name's last part.
func (r *Registry) suggest(name string) string {
	short := name[strings.LastIndexByte(name, '.')+1:]
	var s []string
	for _, n := range r.names {
		if string(n.Name()) == short && string(n) != name {
			s = append(s, string(n))
		}
	}
	if len(s) == 0 {
		return ""
	}
	return " (did you mean " + strings.Join(s, " or ") + "?)"
}

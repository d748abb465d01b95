// Command ui-signals counts issue 10's signals in a sonde checkout's ui/ tree (non-test
// files), for the notes that follow how the UI's structure changes:
// fields of ui.Model, methods on Model/*Model, functions with a *Model parameter (not the receiver),
// literal key comparisons (string literals compared with == or != to x.String() or
// x.Keystroke(), cases of a switch on x.String(), strings.HasPrefix/HasSuffix/Contains
// of x.String(); builders named b, sb, buf and the like are not keys).
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func isKeyCall(e ast.Expr) bool {
	c, ok := e.(*ast.CallExpr)
	if !ok || len(c.Args) != 0 {
		return false
	}
	s, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	if s.Sel.Name == "Keystroke" {
		return true
	}
	if s.Sel.Name != "String" {
		return false
	}
	// skip builders and obvious non-keys
	if id, ok := s.X.(*ast.Ident); ok {
		n := strings.ToLower(id.Name)
		if n == "b" || n == "sb" || n == "stderr" || n == "u" || n == "e" || n == "f" || n == "buf" {
			return false
		}
	}
	return true
}

func isLit(e ast.Expr) bool {
	b, ok := e.(*ast.BasicLit)
	return ok && (b.Kind == token.STRING || b.Kind == token.CHAR)
}

func isModelPtr(t ast.Expr) bool {
	s, ok := t.(*ast.StarExpr)
	if !ok {
		return false
	}
	id, ok := s.X.(*ast.Ident)
	return ok && id.Name == "Model"
}

// Usage: go run ./scripts/ui-signals [-v] [DIR] (DIR: the checkout, . by
// default; -v lists where each function taking *Model and each key
// comparison is).
func main() {
	root, verbose := ".", false
	for _, a := range os.Args[1:] {
		if a == "-v" {
			verbose = true
		} else {
			root = a
		}
	}
	fset := token.NewFileSet()
	var fields, methods, takers, lits int
	var where []string
	filepath.WalkDir(filepath.Join(root, "ui"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, "ui-signals:", err)
			os.Exit(1)
		}
		isRootPkg := f.Name.Name == "ui"
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.TypeSpec:
				if isRootPkg && n.Name.Name == "Model" {
					if st, ok := n.Type.(*ast.StructType); ok {
						for _, fl := range st.Fields.List {
							if len(fl.Names) == 0 {
								fields++
							} else {
								fields += len(fl.Names)
							}
						}
					}
				}
			case *ast.FuncDecl:
				if isRootPkg && n.Recv != nil {
					t := n.Recv.List[0].Type
					if s, ok := t.(*ast.StarExpr); ok {
						t = s.X
					}
					if id, ok := t.(*ast.Ident); ok && id.Name == "Model" {
						methods++
					}
				}
				if isRootPkg {
					for _, p := range n.Type.Params.List {
						if isModelPtr(p.Type) {
							takers++
							where = append(where, "takes *Model: "+fset.Position(n.Pos()).String()+" "+n.Name.Name)
							break
						}
					}
				}
			case *ast.FuncLit:
				if isRootPkg {
					for _, p := range n.Type.Params.List {
						if isModelPtr(p.Type) {
							takers++
							where = append(where, "takes *Model: "+fset.Position(n.Pos()).String()+" (func literal)")
							break
						}
					}
				}
			case *ast.BinaryExpr:
				if n.Op == token.EQL || n.Op == token.NEQ {
					if (isKeyCall(n.X) && isLit(n.Y)) || (isKeyCall(n.Y) && isLit(n.X)) {
						lits++
						where = append(where, "literal: "+fset.Position(n.Pos()).String())
					}
				}
			case *ast.SwitchStmt:
				if n.Tag != nil && isKeyCall(n.Tag) {
					for _, s := range n.Body.List {
						for _, e := range s.(*ast.CaseClause).List {
							if isLit(e) {
								lits++
								where = append(where, "literal: "+fset.Position(e.Pos()).String())
							}
						}
					}
				}
			case *ast.CallExpr:
				if s, ok := n.Fun.(*ast.SelectorExpr); ok {
					if x, ok := s.X.(*ast.Ident); ok && x.Name == "strings" && (s.Sel.Name == "HasPrefix" || s.Sel.Name == "HasSuffix" || s.Sel.Name == "Contains") && len(n.Args) == 2 && isKeyCall(n.Args[0]) && isLit(n.Args[1]) {
						lits++
						where = append(where, "literal: "+fset.Position(n.Pos()).String())
					}
				}
			}
			return true
		})
		return nil
	})
	if verbose {
		for _, w := range where {
			fmt.Println(w)
		}
	}
	fmt.Printf("fields=%d methods=%d takesModel=%d literalKeys=%d\n", fields, methods, takers, lits)
}

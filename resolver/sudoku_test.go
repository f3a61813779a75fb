package resolver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/envseal/envseal/conda"
	"github.com/envseal/envseal/internal/testkit"
)

// mamba's sudoku stress channel: 81 packages sudoku_R_C with versions 1..9;
// each record of digit d depends on "sudoku_X_Y !=d" for the 20 cells that
// share its row, column or box. A puzzle's givens are specs.

// sudokuCorpus is the staged copy of mamba's channel.
var sudokuCorpus = filepath.Join(testkit.CorpusRoot(), "mamba", "libmamba", "tests", "data", "repodata", "sudoku.json")

// A classic puzzle with a unique solution.
const sudokuPuzzle = `
53..7....
6..195...
.98....6.
8...6...3
4..8.3..1
7...2...6
.6....28.
...419..5
....8..79`

const sudokuSolution = `
534678912
672195348
198342567
859761423
426853791
713924856
961537284
287419635
345286179`

// sudokuBroken adds a given (row 0, column 2 = 2) that breaks no row,
// column or box rule of the other givens but contradicts the unique
// solution, so only search proves it unsolvable.
const sudokuBroken = `
532.7....
6..195...
.98....6.
8...6...3
4..8.3..1
7...2...6
.6....28.
...419..5
....8..79`

func loadSudokuCorpus(tb testing.TB) *mapIndex {
	tb.Helper()
	data, err := os.ReadFile(sudokuCorpus)
	if os.IsNotExist(err) {
		tb.Skipf("corpus not present (%s); the generated channel is tested instead", sudokuCorpus)
	}
	if err != nil {
		tb.Fatal(err)
	}
	var doc struct {
		Packages map[string]*conda.Record `json:"packages"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		tb.Fatalf("decoding %s: %v", sudokuCorpus, err)
	}
	var recs []*conda.Record
	for fn, r := range doc.Packages {
		r.Fn = fn
		r.Channel = "sudoku"
		recs = append(recs, r)
	}
	return newMapIndex(recs)
}

// generateSudoku builds the same channel as mamba's, from the rules.
func generateSudoku() *mapIndex {
	var recs []*conda.Record
	for r := 0; r < 9; r++ {
		for c := 0; c < 9; c++ {
			for d := 1; d <= 9; d++ {
				v, _ := conda.ParseVersion(strconv.Itoa(d))
				rec := &conda.Record{Name: fmt.Sprintf("sudoku_%d_%d", r, c), Version: v, Build: "0",
					Channel: "sudoku", Subdir: "noarch", Fn: fmt.Sprintf("sudoku_%d_%d-%d-0.tar.bz2", r, c, d)}
				for _, p := range sudokuPeers(r, c) {
					rec.Depends = append(rec.Depends, fmt.Sprintf("sudoku_%d_%d !=%d", p[0], p[1], d))
				}
				recs = append(recs, rec)
			}
		}
	}
	return newMapIndex(recs)
}

func sudokuPeers(r, c int) [][2]int {
	var out [][2]int
	for i := 0; i < 9; i++ {
		for j := 0; j < 9; j++ {
			if (i == r && j == c) || !(i == r || j == c || (i/3 == r/3 && j/3 == c/3)) {
				continue
			}
			out = append(out, [2]int{i, j})
		}
	}
	return out
}

func sudokuRequest(tb testing.TB, puzzle string) Request {
	tb.Helper()
	rows := strings.Fields(puzzle)
	var req Request
	for r, row := range rows {
		for c, ch := range row {
			s := fmt.Sprintf("sudoku_%d_%d", r, c)
			if ch != '.' {
				s += " ==" + string(ch)
			}
			m, err := conda.ParseMatchSpec(s)
			if err != nil {
				tb.Fatal(err)
			}
			req.Specs = append(req.Specs, m)
		}
	}
	return req
}

func sudokuGrid(sol *Solution) string {
	var g [9][9]byte
	for _, r := range sol.Records {
		var i, j int
		fmt.Sscanf(r.Name, "sudoku_%d_%d", &i, &j)
		g[i][j] = r.Version.String()[0]
	}
	var b strings.Builder
	for _, row := range g {
		b.WriteString("\n" + string(row[:]))
	}
	return b.String()
}

func TestSudokuGenerated(t *testing.T) {
	idx := generateSudoku()
	sol, err := Solve(context.Background(), idx, sudokuRequest(t, sudokuPuzzle))
	if err != nil {
		t.Fatal(err)
	}
	if got := sudokuGrid(sol); got != sudokuSolution {
		t.Errorf("solution:%s\nwant:%s", got, sudokuSolution)
	}
	_, err = Solve(context.Background(), idx, sudokuRequest(t, sudokuBroken))
	var ue *UnsolvableError
	if !errors.As(err, &ue) {
		t.Fatalf("broken puzzle: got %v, want *UnsolvableError", err)
	}
	if len(ue.Causes) == 0 || !strings.HasPrefix(err.Error(), "cannot satisfy the request:") {
		t.Errorf("broken puzzle explanation is empty:\n%v", err)
	}
}

// TestSudokuCorpus runs mamba's staged channel. Its records do not encode
// the usual box rule: cell (r, c) must differ from the box of row band r/3
// and column band r/3 (sudoku_1_4 depends on sudoku_0_0 != d). Every cell
// outside the diagonal boxes must then differ from 9 distinct digits, so no
// grid exists at all; proving that without givens is a pigeonhole problem,
// exponential for resolution (CDCL included), which is what makes the
// channel a stress test. With the classic puzzle's givens the conflict is
// direct and must be found quickly, and the explanation must name it.
func TestSudokuCorpus(t *testing.T) {
	idx := loadSudokuCorpus(t)
	recs, _ := idx.Candidates("sudoku_1_4")
	if len(recs) == 0 || !slices.Contains(recs[0].Depends, "sudoku_0_0 !="+recs[0].Version.String()) {
		t.Fatalf("corpus sudoku rules changed (sudoku_1_4 deps %v); revisit this test", recs[0].Depends)
	}
	_, err := Solve(context.Background(), idx, sudokuRequest(t, sudokuPuzzle))
	var ue *UnsolvableError
	if !errors.As(err, &ue) {
		t.Fatalf("got %v, want *UnsolvableError", err)
	}
	want := `cannot satisfy the request:
├─ sudoku_1_4 9 is requested
│  └─ sudoku_1_4 9 requires sudoku_2_1 !=9
│     └─ sudoku_2_1 8 | 7 | ... | 1 (8 versions) conflict with sudoku_2_1 9
└─ sudoku_2_1 9 is requested, which can only be sudoku_2_1 9`
	if err.Error() != want {
		t.Errorf("explanation:\n%v\nwant:\n%s", err, want)
	}
}

func BenchmarkSudoku(b *testing.B) {
	idx := generateSudoku()
	for _, tc := range []struct{ name, puzzle string }{
		{"solve", sudokuPuzzle},
		{"unsat", sudokuBroken},
		{"empty", strings.Repeat(".........\n", 9)},
	} {
		req := sudokuRequest(b, tc.puzzle)
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				_, err := Solve(context.Background(), idx, req)
				var ue *UnsolvableError
				if err != nil && !errors.As(err, &ue) {
					b.Fatal(err)
				}
			}
		})
	}
}

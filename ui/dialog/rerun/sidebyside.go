package rerun

// A side-by-side view of two texts, line by line: the lines both have
// face each other, a line only the left has faces a blank (or the right's
// line that took its place), and so on, as a diff tool shows them.

// rowKind says how a row's two sides compare.
type rowKind uint8

const (
	rowSame    rowKind = iota // the same line on both sides
	rowChanged                // a line on each side, different
	rowLeft                   // only the left (recorded) has this line
	rowRight                  // only the right (live) has this line
)

// row is one line of the side-by-side view.
type row struct {
	left, right string
	kind        rowKind
}

// maxLCS bounds the work of the line matching (its table has one cell per
// pair of lines): beyond it, lines are paired in order.
const maxLCS = 1 << 20

// sideBySide pairs the lines of a (recorded) and b (live).
func sideBySide(a, b []string) []row {
	if len(a)*len(b) > maxLCS {
		return inOrder(a, b)
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:]
	// and b[j:].
	n, m := len(a), len(b)
	lcs := make([]int32, (n+1)*(m+1))
	at := func(i, j int) *int32 { return &lcs[i*(m+1)+j] }
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				*at(i, j) = *at(i+1, j+1) + 1
			case *at(i+1, j) >= *at(i, j+1):
				*at(i, j) = *at(i+1, j)
			default:
				*at(i, j) = *at(i, j+1)
			}
		}
	}
	var out []row
	var dels, adds []string
	flush := func() {
		out = append(out, pair(dels, adds)...)
		dels, adds = dels[:0], adds[:0]
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			flush()
			out = append(out, row{left: a[i], right: b[j]})
			i, j = i+1, j+1
		case j >= m || i < n && *at(i+1, j) >= *at(i, j+1):
			dels = append(dels, a[i])
			i++
		default:
			adds = append(adds, b[j])
			j++
		}
	}
	flush()
	return out
}

// pair puts the lines removed and added between two common lines face to
// face: changed rows while both have lines, then the rest alone.
func pair(dels, adds []string) []row {
	var out []row
	for k := 0; k < max(len(dels), len(adds)); k++ {
		switch {
		case k < len(dels) && k < len(adds):
			out = append(out, row{left: dels[k], right: adds[k], kind: rowChanged})
		case k < len(dels):
			out = append(out, row{left: dels[k], kind: rowLeft})
		default:
			out = append(out, row{right: adds[k], kind: rowRight})
		}
	}
	return out
}

// inOrder pairs lines by position (texts too long to match).
func inOrder(a, b []string) []row {
	out := pair(nil, nil)
	for k := 0; k < max(len(a), len(b)); k++ {
		switch {
		case k < len(a) && k < len(b) && a[k] == b[k]:
			out = append(out, row{left: a[k], right: b[k]})
		default:
			out = append(out, pair(a[min(k, len(a)):min(k+1, len(a))], b[min(k, len(b)):min(k+1, len(b))])...)
		}
	}
	return out
}

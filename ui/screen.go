package ui

// screenLayout is the root model's screen: the terminal's size, the pane that
// has the focus and whether it is zoomed; it says where the panes go.
type screenLayout struct {
	width, height int
	focus         pane
	zoom          bool
}

// body is the width and height under the header and above the footer
// (and the replay's transport bar).
func (sc screenLayout) body(replayBar bool) (W, bodyH int) {
	bodyH = max(3, sc.height-2)
	if replayBar {
		bodyH = max(3, bodyH-1) // the transport bar
	}
	return max(20, sc.width), bodyH
}

// rects are the pane boxes: three columns on wide terminals, browser and
// work side by side over the log otherwise; zoom gives the focused pane
// everything. The timeline wants width more than height: while the bottom
// pane shows it (timeline), it spans the whole width (even on wide
// terminals) and takes half the height.
func (sc screenLayout) rects(replayBar, timeline bool) [numPanes]rect {
	var r [numPanes]rect
	top := 1 // header
	W, bodyH := sc.body(replayBar)
	switch {
	case sc.zoom:
		for p := range r {
			r[p] = rect{0, top, W, bodyH}
		}
	case W >= 160 && !timeline:
		bw := max(32, W*22/100)
		ww := (W - bw) * 45 / 100
		r[paneBrowser] = rect{0, top, bw, bodyH}
		r[paneWork] = rect{bw, top, ww, bodyH}
		r[paneLog] = rect{bw + ww, top, W - bw - ww, bodyH}
	default:
		logH := max(5, bodyH*2/5)
		switch {
		case timeline:
			logH = max(4, bodyH/2)
		case bodyH < 16:
			logH = max(4, bodyH/3)
		}
		upH := bodyH - logH
		bw := max(26, W*34/100)
		if W < 60 {
			bw = W / 2
		}
		r[paneBrowser] = rect{0, top, bw, upH}
		r[paneWork] = rect{bw, top, W - bw, upH}
		r[paneLog] = rect{0, top + upH, W, logH}
	}
	return r
}

// paneAt returns the pane under screen position (x, y), rs being the
// panes' boxes.
func (sc screenLayout) paneAt(rs [numPanes]rect, x, y int) (pane, rect, bool) {
	if sc.zoom {
		return sc.focus, rs[sc.focus], rs[sc.focus].contains(x, y)
	}
	for p := pane(0); p < numPanes; p++ {
		if rs[p].contains(x, y) {
			return p, rs[p], true
		}
	}
	return 0, rect{}, false
}

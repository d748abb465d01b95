package work

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif"  // image.Decode for GIF
	_ "image/jpeg" // image.Decode for JPEG
	_ "image/png"  // image.Decode for PNG
	"strings"
)

// maxPreviewPixels bounds the images sonde decodes for a preview, so a
// hostile or huge image cannot eat memory: larger ones get no preview.
const maxPreviewPixels = 4096 * 4096

// ImagePreview draws a PNG, JPEG or GIF with half blocks (two pixels per
// cell, top as foreground, bottom as background) in at most maxW×maxH
// cells. It returns nil when the data is not a decodable image.
func ImagePreview(data []byte, maxW, maxH int) []string {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxPreviewPixels || maxW < 2 || maxH < 1 {
		return nil
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	scale := min(1, float64(maxW)/float64(w), float64(2*maxH)/float64(h))
	tw, th := max(1, int(float64(w)*scale)), max(2, int(float64(h)*scale))
	th += th % 2
	px := func(x, y int) (r, g, bl uint32, ok bool) {
		if y >= th {
			return 0, 0, 0, false
		}
		sx := b.Min.X + x*w/tw
		sy := b.Min.Y + min(h-1, y*h/th)
		cr, cg, cb, ca := img.At(sx, sy).RGBA()
		if ca < 0x8000 {
			return 0, 0, 0, false
		}
		return cr >> 8, cg >> 8, cb >> 8, true
	}
	lines := make([]string, 0, th/2)
	var sb strings.Builder
	for y := 0; y < th; y += 2 {
		sb.Reset()
		for x := 0; x < tw; x++ {
			r1, g1, b1, ok1 := px(x, y)
			r2, g2, b2, ok2 := px(x, y+1)
			switch {
			case ok1 && ok2:
				fmt.Fprintf(&sb, "\x1b[38;2;%d;%d;%dm\x1b[48;2;%d;%d;%dm▀", r1, g1, b1, r2, g2, b2)
			case ok1:
				fmt.Fprintf(&sb, "\x1b[49m\x1b[38;2;%d;%d;%dm▀", r1, g1, b1)
			case ok2:
				fmt.Fprintf(&sb, "\x1b[49m\x1b[38;2;%d;%d;%dm▄", r2, g2, b2)
			default:
				sb.WriteString("\x1b[0m ")
			}
		}
		sb.WriteString("\x1b[0m")
		lines = append(lines, sb.String())
	}
	return lines
}

// Package media describes images and audio that servers send as base64
// content (dimensions, format, duration) from their headers alone, for the
// UI's result pane and the CLI's text output.
package media

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	_ "image/gif"  // image.DecodeConfig for GIF headers
	_ "image/jpeg" // image.DecodeConfig for JPEG headers
	_ "image/png"  // image.DecodeConfig for PNG headers
)

// ImageDims says the size and format of a PNG, JPEG or GIF ("16×16 png"),
// decoding only its header; "" for anything else.
func ImageDims(data []byte) string {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%d×%d %s", cfg.Width, cfg.Height, format)
}

// WAVInfo reads a RIFF/WAVE header: channels, sample rate and duration
// ("1 ch 44100 Hz 16-bit 0.50s"); "" for anything else.
func WAVInfo(data []byte) string {
	if len(data) < 44 || string(data[0:4]) != "RIFF" || string(data[8:12]) != "WAVE" {
		return ""
	}
	var ch, bits uint16
	var rate uint32
	dataLen := -1
	for p := 12; p+8 <= len(data); {
		id := string(data[p : p+4])
		n := int(binary.LittleEndian.Uint32(data[p+4 : p+8]))
		body := p + 8
		switch id {
		case "fmt ":
			if body+16 <= len(data) {
				ch = binary.LittleEndian.Uint16(data[body+2:])
				rate = binary.LittleEndian.Uint32(data[body+4:])
				bits = binary.LittleEndian.Uint16(data[body+14:])
			}
		case "data":
			dataLen = n
		}
		if n < 0 || body+n < p {
			break
		}
		p = body + n + n%2
	}
	if rate == 0 || ch == 0 || bits == 0 {
		return ""
	}
	s := fmt.Sprintf("%d ch %d Hz %d-bit", ch, rate, bits)
	if dataLen >= 0 {
		// whole bytes per sample (12-bit samples take 2), in float64 so a
		// hostile header cannot overflow the product to zero
		secs := float64(dataLen) / (float64(rate) * float64(ch) * float64((bits+7)/8))
		s += fmt.Sprintf(" %.2fs", secs)
	}
	return s
}

package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"strings"
	"testing"
)

func TestImageDims(t *testing.T) {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 16, 9))); err != nil {
		t.Fatal(err)
	}
	if got := ImageDims(b.Bytes()); got != "16×9 png" {
		t.Fatalf("got %q", got)
	}
	for _, bad := range [][]byte{nil, []byte("not an image"), b.Bytes()[:10]} {
		if got := ImageDims(bad); got != "" {
			t.Fatalf("%q: got %q, want nothing", bad, got)
		}
	}
}

// wav builds a RIFF/WAVE header for n bytes of samples.
func wav(ch, bits uint16, rate uint32, n int) []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	le(uint32(36 + n))
	b.WriteString("WAVEfmt ")
	le(uint32(16))
	le(uint16(1))
	le(ch)
	le(rate)
	le(rate * uint32(ch) * uint32(bits/8))
	le(ch * bits / 8)
	le(bits)
	b.WriteString("data")
	le(uint32(n))
	b.Write(make([]byte, n))
	return b.Bytes()
}

func TestWAVInfo(t *testing.T) {
	if got := WAVInfo(wav(1, 16, 8000, 8000)); got != "1 ch 8000 Hz 16-bit 0.50s" {
		t.Fatalf("got %q", got)
	}
	// Samples of less than a byte take a whole byte; 12-bit ones two.
	if got := WAVInfo(wav(1, 4, 8000, 4000)); got != "1 ch 8000 Hz 4-bit 0.50s" {
		t.Fatalf("4-bit: got %q", got)
	}
	if got := WAVInfo(wav(2, 12, 1000, 4000)); got != "2 ch 1000 Hz 12-bit 1.00s" {
		t.Fatalf("12-bit: got %q", got)
	}
	// A product that overflowed 32 bits to zero gave an infinite duration.
	if got := WAVInfo(wav(4, 8, 1<<30, 100)); strings.Contains(got, "Inf") {
		t.Fatalf("overflow: got %q", got)
	}
	// A chunk length pointing far past the end ends the walk.
	cut := wav(2, 16, 44100, 0)
	binary.LittleEndian.PutUint32(cut[16:], 0xFFFFFFF0)
	_ = WAVInfo(cut)
	if got := WAVInfo([]byte("RIFF....WAVE")); got != "" {
		t.Fatalf("short: got %q", got)
	}
}

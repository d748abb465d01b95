package demo

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Image patterns understood by makePNG.
var imagePatterns = []string{"gradient", "checkerboard", "rings"}

// makePNG draws a size×size image with the given pattern and encodes it as
// PNG. The output is deterministic.
func makePNG(pattern string, size int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	c := float64(size-1) / 2
	for y := range size {
		for x := range size {
			var px color.NRGBA
			switch pattern {
			case "checkerboard":
				cell := max(size/8, 1)
				if (x/cell+y/cell)%2 == 0 {
					px = color.NRGBA{R: 0x1e, G: 0x1e, B: 0x2e, A: 0xff}
				} else {
					px = color.NRGBA{R: 0xf5, G: 0xc2, B: 0xe7, A: 0xff}
				}
			case "rings":
				d := math.Hypot(float64(x)-c, float64(y)-c)
				band := uint8(128 + 127*math.Sin(d/float64(max(size/16, 1))))
				px = color.NRGBA{R: band, G: 0x80, B: 255 - band, A: 0xff}
			default: // gradient
				px = color.NRGBA{
					R: uint8(255 * x / max(size-1, 1)),
					G: uint8(255 * y / max(size-1, 1)),
					B: 0xc0,
					A: 0xff,
				}
			}
			img.SetNRGBA(x, y, px)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding to memory cannot fail
	}
	return buf.Bytes()
}

// wavSampleRate is the sample rate of makeWAV's output.
const wavSampleRate = 8000

// makeWAV synthesises a sine tone as a 16-bit mono PCM WAV file, with a short
// fade in and out so that it does not click.
func makeWAV(freqHz, durationMs int) []byte {
	n := wavSampleRate * durationMs / 1000
	data := make([]byte, 2*n)
	fade := max(n/10, 1)
	for i := range n {
		amp := 0.6
		if i < fade {
			amp *= float64(i) / float64(fade)
		} else if n-i < fade {
			amp *= float64(n-i) / float64(fade)
		}
		v := amp * math.Sin(2*math.Pi*float64(freqHz)*float64(i)/wavSampleRate)
		binary.LittleEndian.PutUint16(data[2*i:], uint16(int16(v*math.MaxInt16)))
	}
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + len(data)))
	b.WriteString("WAVE")
	b.WriteString("fmt ")
	w(uint32(16))                // fmt chunk size
	w(uint16(1))                 // PCM
	w(uint16(1))                 // mono
	w(uint32(wavSampleRate))     // sample rate
	w(uint32(wavSampleRate * 2)) // byte rate
	w(uint16(2))                 // block align
	w(uint16(16))                // bits per sample
	b.WriteString("data")
	w(uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

// makeBlob returns n deterministic pseudo-random bytes.
func makeBlob(n int) []byte {
	r := rand.New(rand.NewPCG(0x50de, 0xdead))
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(r.Uint32())
	}
	return out
}

// iconPNG is a small icon for the server, tools and prompts, encoded on
// first use.
var iconPNG = sync.OnceValue(func() []byte { return makePNG("rings", 32) })

// demoIcons returns the icon list used on the server implementation and on
// some tools, as a data: URI (the only kind besides https: that clients are
// told to accept).
func demoIcons() []mcp.Icon {
	return []mcp.Icon{{
		Source:   "data:image/png;base64," + base64.StdEncoding.EncodeToString(iconPNG()),
		MIMEType: "image/png",
		Sizes:    []string{"32x32"},
	}}
}

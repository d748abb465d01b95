// Package component is the contract every pane and dialog of sonde's UI
// keeps, in the spirit of soft-serve's and crush's: a component handles
// the messages the root model routes to it and answers with an [Action]
// (what it wants its parent to do) and a [tea.Cmd] (IO it wants run); it
// draws itself into the size it is given; its keys are bindings in its own
// key map, which is also where its help comes from ([help.KeyMap]).
//
// A component never reaches into the root model: anything beyond itself
// (close me, open that dialog, show this note, call a tool) is an Action
// the root carries out. The root composes components and routes messages
// to them; it holds no protocol state (that is the session's State).
//
//	root Model ──msg──► Component.Update(msg) ──► (Action, tea.Cmd)
//	    ▲                                            │
//	    └──────── root.act(Action): close, open, ────┘
//	              flash, a domain action of the component's package
package component

import (
	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"
)

// Component is a pane or a dialog.
type Component interface {
	// Update handles a message the root routed here (a key press, a
	// paste, a mouse wheel, an answer to one of the component's own
	// commands, a cursor blink for its text field). It returns what the
	// parent should do (nil: nothing) and a command to run (nil: none).
	// Like the root's, it does no IO: IO happens in the command.
	Update(msg tea.Msg) (Action, tea.Cmd)
	// View draws the component into at most width×height cells: a pane
	// its content (the root draws the box around it), a dialog its whole
	// box (the root places it over the panes).
	View(width, height int) string
	// SetSize tells the component the size it will be drawn at, before a
	// key that depends on it (a page down) arrives.
	SetSize(width, height int)
	// ShortHelp and FullHelp are the component's live bindings: the help
	// line shows ShortHelp, the full help FullHelp, and a binding that is
	// disabled neither acts nor shows.
	help.KeyMap
}

// Pane is a component that fills an area of the screen: the root draws
// its box, with its title, around what View draws.
type Pane interface {
	Component
	// Title is drawn in the top edge of the pane's box (terminal-safe).
	Title() string
	// SetFocused tells the pane whether it has the keys (it draws its
	// selection and box accordingly).
	SetFocused(focused bool)
}

// Mouse events reach a pane in its own coordinates: the root subtracts
// the pane's position, so X and Y of a tea.MouseClickMsg or
// tea.MouseWheelMsg a pane gets are 0,0 at the top left of its content.

// Dialog is a component drawn over the panes. The top dialog gets every
// key; it says it is done with [Close] (or an action that implies it).
type Dialog interface {
	Component
}

// Action is what a component asks of its parent after an Update: one of
// the actions below, a component package's own action (the root switches
// on its type), or nil for nothing.
type Action any

// Close closes the dialog that returned it.
type Close struct{}

// Open opens a dialog on top of the one that returned it (or of the panes).
type Open struct{ Dialog Dialog }

// Replace closes the dialog that returned it and opens another in its
// place.
type Replace struct{ Dialog Dialog }

// Flash shows a short note in the footer (an error when Err).
type Flash struct {
	Text string
	Err  bool
}

// Copy copies Text to the clipboard (What names it in the note that says
// how it went; SaveKey, if set, is the key that saves it to a file
// instead, offered when no clipboard works).
type Copy struct {
	What, Text, SaveKey string
}

// Batch is several actions, carried out in order.
type Batch []Action

// Then is the actions in order, leaving out the nil ones: nil when none
// is left, the one action when one is.
func Then(actions ...Action) Action {
	var b Batch
	for _, a := range actions {
		if a != nil {
			b = append(b, a)
		}
	}
	switch len(b) {
	case 0:
		return nil
	case 1:
		return b[0]
	}
	return b
}

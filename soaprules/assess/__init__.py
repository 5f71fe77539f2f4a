"""The interview that builds a profile: answers checked and stored (answers), which question
next (questions, words), the conversation (interview), saving (store) and the terminal
(terminal)."""

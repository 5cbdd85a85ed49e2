"""The pack: a session to take away. ``voicecoach pack`` writes a folder a person opens on
a phone (``index.html`` with the session's MP3), prints (``handout.html``) or serves to a
podcast app (``feed.xml``), with nothing to install and no network."""

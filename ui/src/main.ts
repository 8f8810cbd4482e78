import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { locale, setDocumentLang } from './lib/i18n.svelte';

setDocumentLang(locale.lang);
mount(App, { target: document.getElementById('app')! });

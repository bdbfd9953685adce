package hallucination

// Small closed-class English word lists. They are grammar, not data: the
// evaluator learns nothing from any benchmark set.

// stopwords are function words that carry no claim of their own.
var stopwords = setOf(
	"a", "an", "the", "and", "or", "but", "nor", "so", "yet", "if", "then", "than", "that", "this",
	"these", "those", "there", "here", "it", "its", "it's", "itself", "is", "are", "was", "were", "be",
	"been", "being", "am", "do", "does", "did", "doing", "done", "have", "has", "had", "having", "will",
	"would", "shall", "should", "can", "could", "may", "might", "must", "of", "in", "on", "at", "to",
	"for", "from", "by", "with", "without", "about", "as", "into", "onto", "over", "under", "up",
	"down", "out", "off", "through", "during", "before", "after", "above", "below", "between",
	"among", "against", "within", "upon", "via", "per", "i", "me", "my", "mine", "myself", "we",
	"us", "our", "ours", "you", "your", "yours", "he", "him", "his", "she", "her", "hers", "they",
	"them", "their", "theirs", "who", "whom", "whose", "which", "what", "when", "where", "why", "how",
	"all", "any", "both", "each", "every", "few", "more", "most", "other", "some", "such", "only",
	"own", "same", "too", "very", "just", "also", "even", "still", "not", "no", "never", "none",
	"yes", "yeah", "oh", "ok", "okay", "well", "really", "s", "t", "d", "ll", "m", "re", "ve",
	"one", "ones", "get", "got", "gets", "go", "goes", "went", "make", "makes", "made", "like",
	"thing", "things", "lot", "lots", "much", "many", "quite", "rather", "because", "since", "while",
	"although", "though", "however", "therefore", "thus", "whether", "either", "neither", "again",
	"once", "ever", "now", "already", "yet", "whereas", "etc", "eg", "ie", "true", "false", "null",
	"i'm", "you're", "we're", "they're", "i've", "you've", "we've", "i'd", "you'd", "he's", "she's",
	"that's", "there's", "what's", "let's", "i'll", "you'll", "think", "know", "say", "said",
	"would've", "could've", "should've", "wow", "haha", "lol", "hi", "hello", "thanks", "thank",
	"please", "sure", "cool", "nice", "great", "good", "interesting", "fun", "love", "guess",
)

// apologies mark a sentence as a refusal or an apology: "I'm sorry, but I
// can't share that." states nothing about the world, so its words are not
// content to ground (a refusal is not a hallucination).
var apologies = setOf(
	"sorry", "apologize", "apologise", "apologies", "apologise", "unfortunately", "unable", "afraid",
)

// negators flip the polarity of a clause. Words ending in "n't" are
// recognised by the tokeniser.
var negators = setOf(
	"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "nowhere", "cannot",
)

// antonymPairs are common polarity opposites. Both directions are checked.
var antonymPairs = [][2]string{
	{"increase", "decrease"}, {"increase", "reduce"}, {"increase", "decline"}, {"rise", "fall"}, {"rose", "fell"}, {"rose", "fallen"}, {"grew", "shrank"},
	{"rise", "drop"}, {"grow", "shrink"}, {"gain", "loss"}, {"gain", "lose"}, {"profit", "loss"},
	{"more", "less"}, {"more", "fewer"}, {"higher", "lower"}, {"high", "low"}, {"largest", "smallest"},
	{"larger", "smaller"}, {"large", "small"}, {"big", "small"}, {"bigger", "smaller"},
	{"most", "least"}, {"maximum", "minimum"}, {"best", "worst"}, {"better", "worse"},
	{"first", "last"}, {"before", "after"}, {"early", "late"}, {"earlier", "later"},
	{"start", "end"}, {"begin", "end"}, {"open", "close"}, {"opening", "closing"}, {"allow", "ban"},
	{"allow", "forbid"}, {"allow", "prohibit"}, {"accept", "reject"}, {"approve", "reject"},
	{"win", "lose"}, {"won", "lost"}, {"victory", "defeat"}, {"success", "failure"},
	{"positive", "negative"}, {"strong", "weak"}, {"stronger", "weaker"}, {"fast", "slow"},
	{"faster", "slower"}, {"long", "short"}, {"longer", "shorter"}, {"older", "younger"},
	{"true", "false"}, {"correct", "incorrect"}, {"legal", "illegal"}, {"possible", "impossible"},
	{"likely", "unlikely"}, {"above", "below"}, {"inside", "outside"}, {"internal", "external"},
	{"import", "export"}, {"buy", "sell"}, {"bought", "sold"}, {"add", "remove"}, {"include", "exclude"},
	{"always", "never"}, {"everyone", "nobody"}, {"agree", "disagree"},
	{"support", "oppose"}, {"love", "hate"}, {"happy", "sad"}, {"rich", "poor"},
	{"cheap", "expensive"}, {"easy", "difficult"}, {"easy", "hard"}, {"safe", "dangerous"},
	{"public", "private"}, {"north", "south"}, {"east", "west"}, {"male", "female"},
	{"man", "woman"}, {"men", "women"}, {"husband", "wife"}, {"father", "mother"}, {"son", "daughter"},
	{"brother", "sister"}, {"uncle", "aunt"}, {"king", "queen"}, {"boy", "girl"}, {"alive", "dead"},
	{"born", "died"}, {"hire", "fire"}, {"join", "leave"}, {"enter", "exit"}, {"arrive", "depart"},
	{"upgrade", "downgrade"}, {"expand", "contract"}, {"raise", "lower"}, {"raise", "cut"},
	{"accelerate", "slow"}, {"strengthen", "weaken"}, {"improve", "worsen"}, {"increase", "cut"},
	{"ascending", "descending"}, {"maximize", "minimize"}, {"majority", "minority"},
	{"success", "fail"}, {"include", "omit"}, {"domestic", "foreign"}, {"permanent", "temporary"},
	{"present", "absent"}, {"same", "different"}, {"similar", "different"}, {"complete", "incomplete"},
	{"confirm", "deny"}, {"accept", "decline"}, {"online", "offline"},
	{"manual", "automatic"}, {"manual", "automated"}, {"wide", "narrow"},
	{"broad", "narrow"}, {"add", "subtract"}, {"add", "delete"},
	{"keep", "discard"}, {"keep", "delete"}, {"keep", "remove"}, {"keep", "lose"}, {"save", "spend"},
	{"save", "waste"}, {"asset", "liability"}, {"credit", "debit"}, {"income", "expense"},
	{"revenue", "expense"}, {"surplus", "deficit"}, {"inflow", "outflow"}, {"heavy", "light"},
	{"hot", "cold"}, {"warm", "cool"}, {"wet", "dry"}, {"full", "empty"}, {"deep", "shallow"},
	{"thick", "thin"}, {"wide", "thin"}, {"tall", "short"}, {"young", "old"}, {"ancient", "modern"},
	{"past", "future"}, {"past", "upcoming"}, {"minor", "major"},
	{"simple", "complex"}, {"rare", "common"}, {"frequent", "rare"}, {"often", "rarely"},
	{"always", "sometimes"}, {"all", "some"}, {"every", "some"}, {"mandatory", "optional"},
	{"required", "optional"}, {"require", "forbid"}, {"force", "forbid"}, {"must", "cannot"},
	{"allow", "require"}, {"permit", "prohibit"}, {"legal", "unlawful"}, {"guilty", "innocent"},
	{"win", "loss"}, {"winner", "loser"}, {"attack", "defend"}, {"offense", "defense"},
	{"friend", "enemy"}, {"ally", "enemy"}, {"peace", "war"}, {"buyer", "seller"},
	{"employer", "employee"}, {"teacher", "student"}, {"parent", "child"},
	{"host", "guest"}, {"input", "output"}, {"supply", "demand"}, {"lend", "borrow"},
	{"push", "pull"}, {"send", "receive"}, {"give", "take"}, {"open", "shut"}, {"light", "dark"},
	{"day", "night"}, {"morning", "evening"}, {"summer", "winter"}, {"spring", "autumn"},
	{"top", "bottom"}, {"front", "back"}, {"upper", "lower"}, {"inner", "outer"}, {"near", "far"},
	{"urban", "rural"}, {"local", "global"}, {"local", "national"}, {"national", "international"},
	{"physical", "digital"}, {"physical", "virtual"}, {"real", "fake"}, {"real", "virtual"},
	{"natural", "artificial"}, {"organic", "synthetic"}, {"solid", "liquid"}, {"acid", "base"},
	{"import", "exports"}, {"profit", "deficit"}, {"growth", "decline"}, {"expansion", "contraction"},
	{"optimistic", "pessimistic"}, {"bullish", "bearish"}, {"include", "lack"}, {"with", "without"},
	{"success", "loss"}, {"promote", "demote"}, {"hire", "lay"}, {"recruit", "dismiss"},
	{"cheaper", "costlier"}, {"cheap", "costly"}, {"profitable", "unprofitable"},
	{"pass", "fail"}, {"true", "untrue"}, {"add", "reduce"},
}

// numberWords map spelled numbers to digits so "seven" grounds "7".
var numberWords = map[string]string{
	"zero": "0", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
	"eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13",
	"fourteen": "14", "fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18",
	"nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50", "sixty": "60",
	"seventy": "70", "eighty": "80", "ninety": "90", "hundred": "100", "thousand": "1000",
	"million": "1000000", "billion": "1000000000", "trillion": "1000000000000",
	"second": "2", "third": "3", "fourth": "4", "fifth": "5", "sixth": "6", "seventh": "7",
	"eighth": "8", "ninth": "9", "tenth": "10", "dozen": "12", "half": "0.5", "twice": "2",
	"double": "2", "triple": "3", "percent": "%", "pct": "%",
}

// months and weekdays make a token a date claim.
var dateWords = setOf(
	"january", "february", "march", "april", "may", "june", "july", "august", "september",
	"october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
	"sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday", "sunday",
)

// abbreviations end with a dot that does not end a sentence.
var abbreviations = setOf(
	"mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e", "inc", "ltd", "co", "corp",
	"jr", "sr", "no", "fig", "approx", "dept", "est", "gen", "gov", "mt", "u.s", "u.k",
)

func setOf(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}

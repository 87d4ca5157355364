"""Ranked word lists for the password-strength estimator (most common first).

``COMMON_PASSWORDS`` follows the order of zxcvbn's ``passwords`` frequency list (offensive
entries left out, so ranks past the first thirty are a few places off); ``ENGLISH_WORDS`` is a
short list of frequent English words in rough frequency order. Both are far shorter than
zxcvbn's 30,000-entry lists: words missing here are treated as random characters, so the
estimate is a little kinder than Stalwart for rare words and exactly as harsh for common ones.
"""

from __future__ import annotations

_PASSWORDS = """
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball
abc123 football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890
michael 654321 superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer trustno1 jordan
jennifer zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger sunshine iloveyou 2000
charlie robert thomas hockey ranger daniel starwars klaster 112233 george computer michelle
jessica pepper 1111 zxcvbn 555555 11111111 131313 freedom 777777 pass maggie 159753 aaaaaa
ginger princess joshua cheese amanda summer love ashley 6969 nicole chelsea biteme matthew
access yankees 987654321 dallas austin thunder taylor matrix william corvette hello martin
heather secret merlin diamond 1234qwer gfhjkm hammer silver 222222 88888888 anthony justin test
bailey q1w2e3r4t5 patrick internet scooter orange 11111 golfer cookie richard samantha bigdog
guitar jackson whatever mickey chicken sparky snoopy maverick phoenix camaro peanut morgan
welcome falcon cowboy ferrari samsung andrea smokey steelers joseph mercedes dakota arsenal
eagles melissa boomer booboo spider nascar monster tigers yellow xxxxxx 123123123 gateway marina
diablo bulldog qwer1234 compaq purple banana junior hannah 123654 porsche lakers iceman money
cowboys 987654 london tennis 999999 ncc1701 coffee scooby 0000 miller boston q1w2e3r4 brandon
yamaha chester mother forever johnny edward 333333 oliver redsox player nikita knight fender
barney midnight please brandy chicago badboy slayer rangers charles angel flower rabbit wizard
jasper enter rachel chris steven winner adidas victoria natasha 1q2w3e4r jasmine winter prince
marine fishing cocacola casper james 232323 raiders 888888 marlboro gandalf asdfasdf crystal
87654321 12344321 golden 8675309 panther lauren angela spanky thx1138 angels madison winston
shannon mike toyota canada sophie apples tiger 123abc pokemon qazxsw 55555 qwaszx muffin johnson
murphy cooper jonathan david danielle 159357 jackie 1990 123456a 789456 turtle abcd1234 scorpion
qazwsxedc 101010 butter carlos password1 dennis slipknot qwerty123 booger asdf 1991 black
startrek 12341234 cameron newyork rainbow nathan john 1992 rocket viking asdfghjkl 1212 sierra
peaches gemini doctor wilson sandra helpme qwertyui victor florida dolphin pookie captain tucker
blue liverpool theman bandit dolphins maddog packers jaguar lovers nicholas united tiffany
maxwell zzzzzz nirvana jeremy monica elephant giants hotdog rosebud success debbie mountain
444444 xxxxxxxx warrior 1q2w3e4r5t q1w2e3 123456q albert lucky azerty 7777 alex bond007 alexis
1111111 samson 5150 willie scorpio bonnie gators benjamin voodoo driver dexter 2112 jason calvin
freddy 212121 creative 12345a sydney rush2112 1989 asdfghjk red123 bubba 4815162342 passw0rd
trouble gunner happy gordon legend jessie stella qwert eminem arthur apple nissan bear america
1qazxsw2 nothing parker 4444 rebecca qweqwe garfield 01012011 beavis 69696969 jack asdasd
december 2222 102030 252525 11223344 magic apollo skippy 315475 kitten golf copper braves shelby
godzilla beaver fred tomcat august buddy airborne 1993 1988 lifehack qqqqqq brooklyn animal
platinum phantom online xavier darkness blink182 power fish green 789456123 voyager police travis
12qwaszx heaven snowball lover abcdef 00000 pakistan 007007 walter playboy blazer cricket sniper
donkey willow loveme saturn therock redwings bigboy pumpkin trinity williams nintendo digital
destiny topgun runner marvin guinness chance bubbles testing fire november minecraft asdf1234
lasvegas sergey broncos cartman private celtic birdie little cassie babygirl donald beatles 1313
family 12121212 school louise gabriel eclipse fluffy 147258369 lol123 explorer beer nelson
flyers spencer scott lovely gibson doggie cherry andrey snickers buffalo pantera metallica
member carter qwertyu peter alexande steve bronco paradise goober 5555 samuel montana mexico
dreams michigan carolina friends magnum surfer maximus genius cool vampire lacrosse asd123 aaaa
christin kimberly speedy sharon carmen 111222 kristina sammy racing ou812 sabrina horses
0987654321 qwerty1 baby stalker enigma 147147 star poohbear 147258 simple 12345q marcus brian
1987 qweasdzxc drowssap hahaha caroline barbara dave viper drummer action einstein genesis
hello1 scotty friend forest 010203 hotrod google vanessa spitfire badger maryjane friday alaska
tester jester jake champion floyd changeme welcome1 admin letmein1 password123 qwerty12
"""

_ENGLISH = """
the of and in to was is for as on with by he at from his an were are which this also be or has
had first one their its after new who they not two her she been other when there all during into
school time may years more most only over city some world would where later up such used many
can state about national out known university united then made year part new between both
american under while however team series film season three first game people called work being
well music people back through government since city four group well million day number life
several house public home early south north high world end year end second long even against
album company law because war de set name family town area place band named including member
become general march north played around large top without small de right county club same
another station based five church river land left old country took president league different
given best members following form six water under good system last final like make history
york west old man found still support british major take show following development local
best building six did high near power since within late much main death within york around
village good hello word story secret strong password very brand indeed correct horse battery
staple house phone apple garden table chair window door paper water money friend family summer
winter spring autumn morning evening night light dark green blue black white orange yellow
purple silver golden happy little great small big love life live dream sweet baby angel star
sun moon sky fire earth wind rain snow ocean river mountain forest tree flower bird dog cat
fish horse tiger lion bear wolf eagle dragon king queen prince princess knight castle magic
music dance song party game sport football soccer baseball hockey tennis golf computer
internet system server admin user login welcome letter number secure private public test
example change master default mail email office company business market station
"""

COMMON_PASSWORDS: dict[str, int] = {}
for _rank, _word in enumerate(_PASSWORDS.split(), start=1):
    COMMON_PASSWORDS.setdefault(_word, _rank)

ENGLISH_WORDS: dict[str, int] = {}
for _rank, _word in enumerate(_ENGLISH.split(), start=1):
    ENGLISH_WORDS.setdefault(_word, _rank)
